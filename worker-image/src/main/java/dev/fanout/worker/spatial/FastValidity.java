package dev.fanout.worker.spatial;

import java.util.Arrays;
import org.locationtech.jts.algorithm.CGAlgorithmsDD;
import org.locationtech.jts.algorithm.Orientation;
import org.locationtech.jts.geom.CoordinateSequence;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.Polygonal;
import org.locationtech.jts.geom.impl.PackedCoordinateSequence;
import org.locationtech.jts.operation.valid.IsValidOp;

/**
 * Validity as JTS's IsValidOp decides it, answered quickly for the common case of polygons without holes whose shells'
 * envelopes are disjoint: each shell ring is checked for self-intersection by a sweep over its segments sorted by x, with
 * JTS's robust orientation predicate. Anything else (holes, shells whose envelopes meet, lines, points) goes to
 * IsValidOp itself. Validity checking was most of the load's CPU time; the answers are the same (tested against
 * IsValidOp on real and crafted geometries).
 */
final class FastValidity {
    private FastValidity() {
    }

    static boolean isValid(Geometry g) {
        if (!(g instanceof Polygonal)) {
            return IsValidOp.isValid(g);
        }
        int n = g.getNumGeometries();
        Envelope[] envs = n > 1 ? new Envelope[n] : null; // one polygon's envelope is not needed (computing it cost 6 %)
        for (int i = 0; i < n; i++) {
            Polygon p = (Polygon) g.getGeometryN(i);
            if (p.isEmpty() || p.getNumInteriorRing() > 0) {
                return IsValidOp.isValid(g);
            }
            if (envs != null) {
                envs[i] = p.getEnvelopeInternal();
            }
        }
        if (envs != null && envelopesMeet(envs)) {
            return IsValidOp.isValid(g);
        }
        for (int i = 0; i < n; i++) {
            if (!simpleRing(((Polygon) g.getGeometryN(i)).getExteriorRing())) {
                return false;
            }
        }
        return true;
    }

    private static boolean envelopesMeet(Envelope[] envs) {
        Integer[] order = new Integer[envs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(envs[a].getMinX(), envs[b].getMinX()));
        for (int i = 0; i < order.length; i++) {
            for (int j = i + 1; j < order.length && envs[order[j]].getMinX() <= envs[order[i]].getMaxX(); j++) {
                if (envs[order[i]].intersects(envs[order[j]])) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A closed ring of at least 4 distinct-consecutive points whose segments meet only where consecutive ones join. */
    static boolean simpleRing(LinearRing ring) {
        CoordinateSequence seq = ring.getCoordinateSequence();
        int size = seq.size();
        double[] x = new double[size];
        double[] y = new double[size];
        // The readers' packed x, y pairs are read from their array: a call per ordinate was a fifth of this check.
        double[] xy = seq instanceof PackedCoordinateSequence.Double p && p.getDimension() == 2 ? p.getRawCoordinates() : null;
        int n = 0;
        for (int i = 0; i < size; i++) {
            double xi = xy != null ? xy[2 * i] : seq.getX(i);
            double yi = xy != null ? xy[2 * i + 1] : seq.getY(i);
            if (!Double.isFinite(xi) || !Double.isFinite(yi)) {
                return false;
            }
            if (n > 0 && x[n - 1] == xi && y[n - 1] == yi) {
                continue; // repeated points are allowed and ignored, as JTS does
            }
            x[n] = xi;
            y[n] = yi;
            n++;
        }
        if (n < 4 || x[0] != x[n - 1] || y[0] != y[n - 1]) {
            return false;
        }
        int segs = n - 1;
        if (starAroundMean(x, y, segs)) {
            return true;
        }
        // Spikes: a segment folding back onto the previous one (also across the closing vertex).
        for (int k = 0; k < segs; k++) {
            int prev = k == 0 ? segs - 1 : k - 1;
            if (foldsBack(x[prev], y[prev], x[k], y[k], x[k + 1], y[k + 1])) {
                return false;
            }
        }
        double[] minX = new double[segs];
        double[] maxX = new double[segs];
        double[] minY = new double[segs];
        double[] maxY = new double[segs];
        for (int k = 0; k < segs; k++) {
            minX[k] = Math.min(x[k], x[k + 1]);
            maxX[k] = Math.max(x[k], x[k + 1]);
            minY[k] = Math.min(y[k], y[k + 1]);
            maxY[k] = Math.max(y[k], y[k + 1]);
        }
        int[] order = new int[segs];
        for (int k = 0; k < segs; k++) {
            order[k] = k;
        }
        sortBy(order, minX, 0, segs - 1);
        for (int oi = 0; oi < segs; oi++) {
            int a = order[oi];
            for (int oj = oi + 1; oj < segs && minX[order[oj]] <= maxX[a]; oj++) {
                int b = order[oj];
                if (adjacent(a, b, segs) || maxY[a] < minY[b] || maxY[b] < minY[a]) {
                    continue;
                }
                if (intersect(x, y, a, b)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * A sufficient test in linear time: seen from the mean of its vertices, every edge turns strictly the same way (robust
     * orientation) and the ring winds around that point exactly once. Then the ring is star-shaped around it: the fan
     * triangles partition one turn, so no two edges meet except consecutive ones at their shared vertex. Most rings of
     * simple shapes pass; any other ring (spikes, loops, a pentagram winding twice) goes to the full check.
     */
    static boolean starAroundMean(double[] x, double[] y, int segs) {
        double cx = 0;
        double cy = 0;
        for (int k = 0; k < segs; k++) {
            cx += x[k];
            cy += y[k];
        }
        cx /= segs;
        cy /= segs;
        int sign = orientation(cx, cy, x[0], y[0], x[1], y[1]);
        if (sign == 0) {
            return false;
        }
        int quarterTurns = 0;
        int q = quadrant(x[0] - cx, y[0] - cy);
        for (int k = 0; k < segs; k++) {
            if (k > 0 && orientation(cx, cy, x[k], y[k], x[k + 1], y[k + 1]) != sign) {
                return false;
            }
            int next = quadrant(x[k + 1] - cx, y[k + 1] - cy);
            // Each step turns by less than half a turn, so the quadrant moves 0, 1 or 2 steps in the turning direction.
            quarterTurns += Math.floorMod(sign > 0 ? next - q : q - next, 4);
            q = next;
        }
        return quarterTurns == 4;
    }

    /**
     * JTS's robust orientation (left 1, right -1, collinear 0), answered in double arithmetic where its rounding error
     * cannot change the sign (the usual error-bound filter), else by CGAlgorithmsDD's exact test. This runs for every
     * edge of every ring; the filter here, unlike a call into JTS, is compiled inline even by C1 (short JVMs).
     */
    static int orientation(double ax, double ay, double bx, double by, double cx, double cy) {
        double left = (ax - cx) * (by - cy);
        double right = (ay - cy) * (bx - cx);
        double det = left - right;
        double sum;
        if (left > 0) {
            if (right <= 0) {
                return det > 0 ? 1 : det < 0 ? -1 : 0;
            }
            sum = left + right;
        } else if (left < 0) {
            if (right >= 0) {
                return det > 0 ? 1 : det < 0 ? -1 : 0;
            }
            sum = -left - right;
        } else {
            return det > 0 ? 1 : det < 0 ? -1 : 0;
        }
        double bound = 1e-15 * sum;
        if (det >= bound || -det >= bound) {
            return det > 0 ? 1 : -1;
        }
        return CGAlgorithmsDD.orientationIndex(ax, ay, bx, by, cx, cy);
    }

    /** Quadrants 0..3 counter-clockwise, half-open so that every direction has exactly one. */
    private static int quadrant(double dx, double dy) {
        if (dx > 0 && dy >= 0) {
            return 0;
        }
        if (dx <= 0 && dy > 0) {
            return 1;
        }
        if (dx < 0 && dy <= 0) {
            return 2;
        }
        return 3;
    }

    /** Sorts indexes by key, without boxing (this runs for every ring of every layer). */
    private static void sortBy(int[] idx, double[] key, int lo, int hi) {
        while (hi - lo > 16) {
            double pivot = key[idx[(lo + hi) >>> 1]];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (key[idx[i]] < pivot) {
                    i++;
                }
                while (key[idx[j]] > pivot) {
                    j--;
                }
                if (i <= j) {
                    int t = idx[i];
                    idx[i++] = idx[j];
                    idx[j--] = t;
                }
            }
            if (j - lo < hi - i) { // recurse into the smaller part, loop on the larger
                sortBy(idx, key, lo, j);
                lo = i;
            } else {
                sortBy(idx, key, i, hi);
                hi = j;
            }
        }
        for (int i = lo + 1; i <= hi; i++) { // insertion sort for short ranges
            int v = idx[i];
            int j = i - 1;
            while (j >= lo && key[idx[j]] > key[v]) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = v;
        }
    }

    private static boolean adjacent(int a, int b, int segs) {
        int d = Math.abs(a - b);
        return d == 1 || d == segs - 1;
    }

    /** At vertex b, whether the segment b-c runs back along a-b (the ring touches itself there). */
    private static boolean foldsBack(double ax, double ay, double bx, double by, double cx, double cy) {
        // Only a backwards turn can fold: skip the exact orientation test when b-c clearly goes on forward.
        if ((ax - bx) * (cx - bx) + (ay - by) * (cy - by) <= 0) {
            return false;
        }
        if (orientation(ax, ay, bx, by, cx, cy) != Orientation.COLLINEAR) {
            return false;
        }
        return (ax - bx) * (cx - bx) + (ay - by) * (cy - by) > 0;
    }

    /** Whether segments a (x[a]..x[a+1]) and b share any point (touching counts), with robust orientation tests. */
    private static boolean intersect(double[] x, double[] y, int a, int b) {
        double p1x = x[a], p1y = y[a], p2x = x[a + 1], p2y = y[a + 1];
        double q1x = x[b], q1y = y[b], q2x = x[b + 1], q2y = y[b + 1];
        int o1 = orientation(p1x, p1y, p2x, p2y, q1x, q1y);
        int o2 = orientation(p1x, p1y, p2x, p2y, q2x, q2y);
        if (o1 * o2 > 0) {
            // q strictly on one side of p's line: no crossing, and neither end of p (on that line) can lie on q. The
            // usual case for the near, non-adjacent segments of a detailed boundary: two orientation tests, not four.
            return false;
        }
        int o3 = orientation(q1x, q1y, q2x, q2y, p1x, p1y);
        int o4 = orientation(q1x, q1y, q2x, q2y, p2x, p2y);
        if (o1 * o2 < 0 && o3 * o4 < 0) {
            return true;
        }
        return (o1 == 0 && within(p1x, p1y, p2x, p2y, q1x, q1y)) || (o2 == 0 && within(p1x, p1y, p2x, p2y, q2x, q2y))
                || (o3 == 0 && within(q1x, q1y, q2x, q2y, p1x, p1y)) || (o4 == 0 && within(q1x, q1y, q2x, q2y, p2x, p2y));
    }

    private static boolean within(double ax, double ay, double bx, double by, double px, double py) {
        return px >= Math.min(ax, bx) && px <= Math.max(ax, bx) && py >= Math.min(ay, by) && py <= Math.max(ay, by);
    }
}
