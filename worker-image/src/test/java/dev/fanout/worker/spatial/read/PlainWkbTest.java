package dev.fanout.worker.spatial.read;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.worker.testdata.SharedData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.impl.PackedCoordinateSequenceFactory;
import org.locationtech.jts.io.ByteOrderValues;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKBWriter;
import org.locationtech.jts.io.WKTReader;

/** PlainWkb must make exactly the geometries JTS's WKBReader makes, or leave the bytes to it (null). */
class PlainWkbTest {
    private static final GeometryFactory FACTORY = new GeometryFactory(new PackedCoordinateSequenceFactory(PackedCoordinateSequenceFactory.DOUBLE));

    @TempDir
    Path dir;

    /** Reads bytes (after a 3-byte prefix, as a GeoPackage header precedes them) both ways; returns PlainWkb's answer. */
    private static Geometry sameAsJts(byte[] wkb) throws Exception {
        byte[] prefixed = new byte[wkb.length + 3];
        System.arraycopy(wkb, 0, prefixed, 3, wkb.length);
        Geometry plain = new PlainWkb(FACTORY).read(prefixed, 3);
        if (plain != null) {
            Geometry jts = new WKBReader(FACTORY).read(wkb);
            assertThat(plain.getClass()).isEqualTo(jts.getClass());
            assertThat(plain.equalsExact(jts)).as(jts.toText()).isTrue();
            assertThat(plain.getSRID()).isEqualTo(jts.getSRID());
            assertThat(plain.getNumPoints()).isEqualTo(jts.getNumPoints());
        }
        return plain;
    }

    private static byte[] wkb(String wkt, int order) throws Exception {
        return new WKBWriter(2, order).write(new WKTReader(FACTORY).read(wkt));
    }

    @Test
    void readsPlainLinesAndPolygonsInBothByteOrdersAsJtsDoes() throws Exception {
        for (int order : new int[] {ByteOrderValues.LITTLE_ENDIAN, ByteOrderValues.BIG_ENDIAN}) {
            for (String wkt : List.of(
                    "LINESTRING (0 0, 1 1, 2 0.5)",
                    "LINESTRING EMPTY",
                    "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))",
                    "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2), (5 5, 5 6, 6 6, 5 5))",
                    "POLYGON EMPTY",
                    "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3, 4 2))",
                    "MULTIPOLYGON (((0 0, 0 1, 1 1, 1 0, 0 0)), ((5 5, 5 6, 6 6, 6 5, 5 5), (5.2 5.2, 5.2 5.4, 5.4 5.4, 5.2 5.2)))",
                    "MULTIPOLYGON EMPTY",
                    "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))")) { // invalid, but plain: validity is checked later
                assertThat(sameAsJts(wkb(wkt, order))).as(wkt).isNotNull();
            }
        }
    }

    @Test
    void leavesEverythingElseToJts() throws Exception {
        for (String wkt : List.of("POINT (1 2)", "MULTIPOINT ((1 2), (3 4))", "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))")) {
            assertThat(sameAsJts(wkb(wkt, ByteOrderValues.LITTLE_ENDIAN))).as(wkt).isNull();
        }
        Geometry z = new WKTReader(FACTORY).read("POLYGON Z ((0 0 1, 0 10 1, 10 10 1, 10 0 1, 0 0 1))");
        assertThat(sameAsJts(new WKBWriter(3).write(z))).as("Z").isNull();
        Geometry withSrid = new WKTReader(FACTORY).read("POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))");
        withSrid.setSRID(4326);
        assertThat(sameAsJts(new WKBWriter(2, ByteOrderValues.LITTLE_ENDIAN, true).write(withSrid))).as("EWKB with an SRID").isNull();

        // a ring JTS repairs (open: the last point is not the first) and a one-point line JTS extends
        byte[] open = wkb("POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))", ByteOrderValues.LITTLE_ENDIAN);
        ByteBuffer.wrap(open).order(ByteOrder.LITTLE_ENDIAN).putDouble(open.length - 16, 0.5);
        assertThat(sameAsJts(open)).as("open ring").isNull();
        assertThat(new WKBReader(FACTORY).read(open).isValid()).as("JTS closes it").isTrue();
        ByteBuffer shortRing = ByteBuffer.allocate(61).order(ByteOrder.LITTLE_ENDIAN).put((byte) 1).putInt(3).putInt(1).putInt(3)
                .putDouble(0).putDouble(0).putDouble(1).putDouble(1).putDouble(0).putDouble(0);
        assertThat(sameAsJts(shortRing.array())).as("a closed ring of 3 points").isNull();
        assertThat(new WKBReader(FACTORY).read(shortRing.array()).getNumPoints()).as("JTS pads it").isEqualTo(4);
        ByteBuffer one = ByteBuffer.allocate(25).order(ByteOrder.LITTLE_ENDIAN).put((byte) 1).putInt(2).putInt(1).putDouble(1).putDouble(2);
        assertThat(sameAsJts(one.array())).as("one-point line").isNull();
        assertThat(((LineString) new WKBReader(FACTORY).read(one.array())).getNumPoints()).as("JTS extends it").isEqualTo(2);

        // corrupt: counts past the end, a truncated header, an unknown byte order
        byte[] poly = wkb("POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))", ByteOrderValues.LITTLE_ENDIAN);
        assertThat(sameAsJts(java.util.Arrays.copyOf(poly, poly.length - 8))).as("truncated").isNull();
        assertThat(new PlainWkb(FACTORY).read(new byte[] {1, 3, 0}, 0)).as("short header").isNull();
        byte[] badOrder = poly.clone();
        badOrder[0] = 7;
        assertThat(new PlainWkb(FACTORY).read(badOrder, 0)).as("byte order 7").isNull();
    }

    @Test
    void readsEveryNaturalEarthGeometryAsJtsDoes() throws Exception {
        int plain = 0;
        int all = 0;
        for (String name : List.of("ne_50m_admin_0_countries", "ne_50m_admin_1_states_provinces", "ne_10m_time_zones")) {
            Path shp = SharedData.copyNaturalEarth(name, dir.resolve(name));
            try (ShapefileSource src = new ShapefileSource(shp, null)) {
                for (Feature f = src.next(); f != null; f = src.next()) {
                    if (f.geometry() == null) {
                        continue;
                    }
                    for (int order : new int[] {ByteOrderValues.LITTLE_ENDIAN, ByteOrderValues.BIG_ENDIAN}) {
                        all++;
                        if (sameAsJts(new WKBWriter(2, order).write(f.geometry())) != null) {
                            plain++;
                        }
                    }
                }
            }
        }
        assertThat(all).isGreaterThan(1200); // 656 features, each in both byte orders
        assertThat(plain).as("Natural Earth's polygons are all plain").isEqualTo(all);
    }
}
