package dev.fanout.worker.spatial;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.spatial.read.SourceCrs;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mil.nga.proj.Projection;
import mil.nga.proj.ProjectionFactory;
import mil.nga.proj.ProjectionTransform;
import org.locationtech.jts.geom.CoordinateSequence;
import org.locationtech.jts.geom.CoordinateSequenceFilter;
import org.locationtech.jts.geom.Geometry;

/**
 * Source CRS -> target SRID, through NGA proj (proj4j underneath; it also parses .prj WKT). Identity when both are the
 * same EPSG code, so layers already in the target CRS cost nothing.
 */
public final class Reprojection {
    private static final Pattern TOP_AUTHORITY = Pattern.compile("AUTHORITY\\[\"EPSG\",\\s*\"?(\\d+)\"?]\\s*]\\s*$");
    private final Projection from;
    private final Projection to;
    private final ProjectionTransform transform;
    private final String sourceDescription;
    private final Integer sourceEpsg;

    private Reprojection(Projection from, Projection to, String sourceDescription, Integer sourceEpsg) {
        this.from = from;
        this.to = to;
        // proj4j transforms keep per-call state: every thread needs its own (see forThisThread).
        this.transform = from == null ? null : new ProjectionTransform(from, to);
        this.sourceDescription = sourceDescription;
        this.sourceEpsg = sourceEpsg;
    }

    /** A copy for another thread: proj4j coordinate transforms are not thread-safe. */
    public Reprojection forAnotherThread() {
        return new Reprojection(from, to, sourceDescription, sourceEpsg);
    }

    /**
     * @param declared the CRS the source declares, or null
     * @param override --source-srid, or null; wins over what the source declares
     */
    public static Reprojection between(SourceCrs declared, Integer override, int targetSrid) {
        Projection target = projection(targetSrid, "--target-srid");
        if (override != null) {
            return of(projection(override, "--source-srid"), "EPSG:" + override, override, target, targetSrid);
        }
        if (declared == null) {
            throw WorkerException.badInput("the source declares no CRS (no .prj / srs / crs): give it with --source-srid");
        }
        Integer epsg = declared.epsg() != null ? declared.epsg() : epsgInWkt(declared.wkt());
        if (epsg != null) {
            return of(projection(epsg, "the source CRS"), "EPSG:" + epsg, epsg, target, targetSrid);
        }
        Projection p;
        try {
            p = ProjectionFactory.getProjection(declared.wkt());
        } catch (RuntimeException e) {
            throw WorkerException.badInput("the source CRS cannot be understood (" + declared.describe() + "): "
                    + e.getMessage() + "; give it with --source-srid", e);
        }
        return of(p, declared.describe(), null, target, targetSrid);
    }

    private static Reprojection of(Projection source, String description, Integer sourceEpsg, Projection target, int targetSrid) {
        boolean same = sourceEpsg != null && sourceEpsg == targetSrid;
        return new Reprojection(same ? null : source, target, description, sourceEpsg);
    }

    /** An EPSG code for a WKT: its top-level AUTHORITY, or the WGS 84 / NAD83 / NAD27 geographic systems by their ESRI names. */
    static Integer epsgInWkt(String wkt) {
        if (wkt == null) {
            return null;
        }
        Matcher m = TOP_AUTHORITY.matcher(wkt.strip());
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        if (wkt.startsWith("GEOGCS[")) {
            String w = wkt.replace(" ", "");
            if (w.contains("DATUM[\"D_WGS_1984\"") || w.contains("DATUM[\"WGS_1984\"")) {
                return 4326;
            }
            if (w.contains("DATUM[\"D_North_American_1983\"") || w.contains("DATUM[\"North_American_Datum_1983\"")) {
                return 4269;
            }
            if (w.contains("DATUM[\"D_North_American_1927\"") || w.contains("DATUM[\"North_American_Datum_1927\"")) {
                return 4267;
            }
        }
        return null;
    }

    private static Projection projection(int epsg, String what) {
        if (epsg <= 0) {
            throw WorkerException.badInput(what + " must be a positive EPSG code, got " + epsg);
        }
        try {
            return ProjectionFactory.getProjection(epsg);
        } catch (RuntimeException e) {
            throw WorkerException.badInput(what + " EPSG:" + epsg + " is unknown to the projection library: " + e.getMessage(), e);
        }
    }

    /** A real reprojection into a longitude/latitude CRS: where polygons may come out across the antimeridian. */
    public boolean intoLongitudeLatitude() {
        return transform != null && to.isUnit(org.locationtech.proj4j.units.Units.DEGREES);
    }

    public boolean isIdentity() {
        return transform == null;
    }

    public String source() {
        return sourceDescription;
    }

    public Integer sourceEpsg() {
        return sourceEpsg;
    }

    /** Reprojects the geometry in place (callers own it). */
    public void apply(Geometry g) {
        if (transform == null || g == null) {
            return;
        }
        g.apply(new CoordinateSequenceFilter() {
            @Override
            public void filter(CoordinateSequence seq, int i) {
                double[] xy = transform.transform(seq.getX(i), seq.getY(i));
                seq.setOrdinate(i, 0, xy[0]);
                seq.setOrdinate(i, 1, xy[1]);
            }

            @Override
            public boolean isDone() {
                return false;
            }

            @Override
            public boolean isGeometryChanged() {
                return true;
            }
        });
        g.geometryChanged();
    }
}
