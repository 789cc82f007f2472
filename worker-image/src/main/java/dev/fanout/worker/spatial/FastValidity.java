package dev.fanout.worker.spatial;

import java.util.Arrays;
import org.locationtech.jts.algorithm.Orientation;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.CoordinateSequence;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.Polygonal;
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
        Envelope[] envs = new Envelope[n];
        for (int i = 0; i < n; i++) {
            Polygon p = (Polygon) g.getGeometryN(i);
            if (p.isEmpty() || p.getNumInteriorRing() > 0) {
                return IsValidOp.isValid(g);
            }
            envs[i] = p.getEnvelopeInternal();
        }
        if (n > 1 && envelopesMeet(envs)) {
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
        int n = 0;
        for (int i = 0; i < size; i++) {
            double xi = seq.getX(i);
            double yi = seq.getY(i);
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
        // Spikes: a segment folding back onto the previous one (also across the closing vertex).
        for (int k = 0; k < segs; k++) {
            int prev = k == 0 ? segs - 1 : k - 1;
            if (foldsBack(x[prev], y[prev], x[k], y[k], x[k + 1], y[k + 1])) {
                return false;
            }
        }
        int[] order = new int[segs];
        double[] minX = new double[segs];
        double[] maxX = new double[segs];
        for (int k = 0; k < segs; k++) {
            order[k] = k;
            minX[k] = Math.min(x[k], x[k + 1]);
            maxX[k] = Math.max(x[k], x[k + 1]);
        }
        sortBy(order, minX, 0, segs - 1);
        Coordinate p1 = new Coordinate();
        Coordinate p2 = new Coordinate();
        Coordinate q1 = new Coordinate();
        Coordinate q2 = new Coordinate();
        for (int oi = 0; oi < segs; oi++) {
            int a = order[oi];
            for (int oj = oi + 1; oj < segs && minX[order[oj]] <= maxX[a]; oj++) {
                int b = order[oj];
                if (adjacent(a, b, segs)) {
                    continue;
                }
                if (Math.max(y[a], y[a + 1]) < Math.min(y[b], y[b + 1]) || Math.max(y[b], y[b + 1]) < Math.min(y[a], y[a + 1])) {
                    continue;
                }
                p1.setX(x[a]); p1.setY(y[a]); p2.setX(x[a + 1]); p2.setY(y[a + 1]);
                q1.setX(x[b]); q1.setY(y[b]); q2.setX(x[b + 1]); q2.setY(y[b + 1]);
                if (intersect(p1, p2, q1, q2)) {
                    return false;
                }
            }
        }
        return true;
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
        if (Orientation.index(new Coordinate(ax, ay), new Coordinate(bx, by), new Coordinate(cx, cy)) != Orientation.COLLINEAR) {
            return false;
        }
        return (ax - bx) * (cx - bx) + (ay - by) * (cy - by) > 0;
    }

    /** Whether two segments share any point (touching counts), with robust orientation tests. */
    static boolean intersect(Coordinate p1, Coordinate p2, Coordinate q1, Coordinate q2) {
        int o1 = Orientation.index(p1, p2, q1);
        int o2 = Orientation.index(p1, p2, q2);
        int o3 = Orientation.index(q1, q2, p1);
        int o4 = Orientation.index(q1, q2, p2);
        if (o1 * o2 < 0 && o3 * o4 < 0) {
            return true;
        }
        return (o1 == 0 && onSegment(p1, p2, q1)) || (o2 == 0 && onSegment(p1, p2, q2))
                || (o3 == 0 && onSegment(q1, q2, p1)) || (o4 == 0 && onSegment(q1, q2, p2));
    }

    private static boolean onSegment(Coordinate a, Coordinate b, Coordinate p) {
        return p.x >= Math.min(a.x, b.x) && p.x <= Math.max(a.x, b.x) && p.y >= Math.min(a.y, b.y) && p.y <= Math.max(a.y, b.y);
    }
}
