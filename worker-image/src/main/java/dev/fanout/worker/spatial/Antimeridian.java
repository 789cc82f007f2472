package dev.fanout.worker.spatial;

import java.util.ArrayList;
import java.util.List;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.CoordinateSequence;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.MultiPolygon;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.util.AffineTransformation;

/**
 * Polygons reprojected into longitude/latitude that cross the antimeridian. A projected source (e.g. ETRS89-LAEA,
 * EPSG:3035) holds Chukotka as one continuous shape; in longitude/latitude its vertices east of 180° come out near -180°,
 * so the ring jumps across the whole map. The same happens to a part that only touches ±180°: a round trip gives some of
 * its vertices +180 and others -180. A ring whose consecutive vertices jump by more than 180° is such a part: it is
 * unwrapped (western longitudes + 360), cut at 180° and the eastern piece moved back by -360, so every part lies within
 * [-180, 180] on its true side. Rings that wind around a pole (an odd number of jumps) are left as they are.
 */
final class Antimeridian {
    private Antimeridian() {
    }

    /** The multipolygon with its antimeridian-crossing parts cut, or the same object when no part crosses. */
    static Geometry cut(MultiPolygon multi, GeometryFactory factory) {
        List<Polygon> out = null;
        for (int i = 0; i < multi.getNumGeometries(); i++) {
            Polygon p = (Polygon) multi.getGeometryN(i);
            if (!crosses(p)) {
                if (out != null) {
                    out.add(p);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>();
                for (int j = 0; j < i; j++) {
                    out.add((Polygon) multi.getGeometryN(j));
                }
            }
            out.addAll(split(p, factory));
        }
        return out == null ? multi : factory.createMultiPolygon(out.toArray(Polygon[]::new));
    }

    /** Whether the shell jumps across the antimeridian an even (non-zero) number of times. */
    static boolean crosses(Polygon p) {
        CoordinateSequence s = p.getExteriorRing().getCoordinateSequence();
        int jumps = 0;
        for (int k = 1; k < s.size(); k++) {
            if (Math.abs(s.getX(k) - s.getX(k - 1)) > 180) {
                jumps++;
            }
        }
        return jumps > 0 && jumps % 2 == 0;
    }

    /** The pieces on either side of 180°, or the part as it was when it cannot be cut (an invalid ring: loaded and counted). */
    private static List<Polygon> split(Polygon p, GeometryFactory factory) {
        try {
            return cutAt180(p, factory);
        } catch (RuntimeException e) { // JTS TopologyException on a self-crossing ring
            return List.of(p);
        }
    }

    private static List<Polygon> cutAt180(Polygon p, GeometryFactory factory) {
        Polygon unwrapped = factory.createPolygon(unwrap(p.getExteriorRing(), factory), holes(p, factory));
        List<Polygon> pieces = new ArrayList<>();
        Envelope e = unwrapped.getEnvelopeInternal();
        Geometry west = factory.toGeometry(new Envelope(e.getMinX() - 1, 180, e.getMinY() - 1, e.getMaxY() + 1));
        Geometry east = factory.toGeometry(new Envelope(180, e.getMaxX() + 1, e.getMinY() - 1, e.getMaxY() + 1));
        collect(unwrapped.intersection(west), null, pieces);
        collect(unwrapped.intersection(east), AffineTransformation.translationInstance(-360, 0), pieces);
        return pieces;
    }

    private static LinearRing[] holes(Polygon p, GeometryFactory factory) {
        LinearRing[] holes = new LinearRing[p.getNumInteriorRing()];
        for (int h = 0; h < holes.length; h++) {
            holes[h] = unwrap(p.getInteriorRingN(h), factory);
        }
        return holes;
    }

    /** Western longitudes moved east by 360, so the ring is continuous across 180°. */
    private static LinearRing unwrap(LinearRing ring, GeometryFactory factory) {
        Coordinate[] cs = org.locationtech.jts.geom.CoordinateArrays.copyDeep(ring.getCoordinates()); // never the caller's
        for (Coordinate c : cs) {
            if (c.x < 0) {
                c.x += 360;
            }
        }
        return factory.createLinearRing(cs);
    }

    private static void collect(Geometry g, AffineTransformation move, List<Polygon> into) {
        for (int i = 0; i < g.getNumGeometries(); i++) {
            Geometry part = g.getGeometryN(i);
            if (part instanceof Polygon poly && !poly.isEmpty() && poly.getArea() > 0) {
                into.add(move == null ? poly : (Polygon) move.transform(poly));
            }
        }
    }
}
