package dev.fanout.worker.spatial;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.spatial.read.GeometryFamily;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.geom.Polygon;

/**
 * Readies one geometry for the layer's column: reprojected (polygons reprojected into longitude/latitude cut at the
 * antimeridian where they cross it), promoted to the family's Multi* type, and checked for validity. Invalid geometries are loaded as they are (as ogr2ogr does) and counted, never dropped. One per thread.
 */
final class GeometryPreparer {
    private final GeometryFamily family;
    private final Reprojection reprojection;
    private final GeometryFactory factory = new GeometryFactory();
    long invalid;
    long empty;

    GeometryPreparer(GeometryFamily family, Reprojection reprojection) {
        this.family = family;
        this.reprojection = reprojection;
    }

    Geometry prepare(Geometry g, long fid) {
        if (g == null) {
            return null;
        }
        GeometryFamily f = GeometryFamily.of(g);
        if (f != family) {
            throw WorkerException.badInput("feature " + fid + " is a " + g.getGeometryType() + " in a " + family.multiType
                    + " layer: one layer loads into one typed column");
        }
        Geometry multi = switch (g) {
            case Point p -> factory.createMultiPoint(new Point[] {p});
            case LineString l -> factory.createMultiLineString(new LineString[] {l});
            case Polygon p -> factory.createMultiPolygon(new Polygon[] {p});
            default -> g;
        };
        reprojection.apply(multi);
        if (multi instanceof org.locationtech.jts.geom.MultiPolygon mp && reprojection.intoLongitudeLatitude()) {
            multi = Antimeridian.cut(mp, factory);
        }
        if (multi.isEmpty()) {
            empty++;
        } else if (!FastValidity.isValid(multi)) {
            invalid++;
        }
        return multi;
    }
}
