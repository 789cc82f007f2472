package dev.fanout.worker.spatial.read;

import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.Lineal;
import org.locationtech.jts.geom.Polygonal;
import org.locationtech.jts.geom.Puntal;

/** Point, line or polygon: the layer's column is the Multi* type of its family, so one typed column holds every feature. */
public enum GeometryFamily {
    POINT("MultiPoint"), LINE("MultiLineString"), POLYGON("MultiPolygon");

    public final String multiType;

    GeometryFamily(String multiType) {
        this.multiType = multiType;
    }

    public static GeometryFamily of(Geometry g) {
        if (g instanceof Puntal) {
            return POINT;
        }
        if (g instanceof Lineal) {
            return LINE;
        }
        if (g instanceof Polygonal) {
            return POLYGON;
        }
        return null; // GeometryCollection: no single family
    }

    /** From an OGC type name (GeoPackage geometry_type_name, GeoJSON "type"); null when it names no single family. */
    public static GeometryFamily ofTypeName(String name) {
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "POINT", "MULTIPOINT" -> POINT;
            case "LINESTRING", "MULTILINESTRING" -> LINE;
            case "POLYGON", "MULTIPOLYGON" -> POLYGON;
            default -> null;
        };
    }
}
