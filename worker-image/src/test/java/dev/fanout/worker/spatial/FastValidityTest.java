package dev.fanout.worker.spatial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.worker.spatial.read.Feature;
import dev.fanout.worker.spatial.read.ShapefileSource;
import dev.fanout.worker.testdata.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.io.WKTReader;
import org.locationtech.jts.operation.valid.IsValidOp;

/** The fast path must answer exactly as JTS's IsValidOp does. */
class FastValidityTest {
    @TempDir
    Path dir;

    @Test
    void agreesWithJtsOnCraftedCases() throws Exception {
        WKTReader r = new WKTReader();
        for (String wkt : List.of(
                "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))",
                "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", // bow tie
                "POLYGON ((0 0, 0 10, 5 10, 5 15, 5 10, 10 10, 10 0, 0 0))", // spike
                "POLYGON ((0 0, 0 10, 0 10, 10 10, 10 0, 0 0))", // repeated point
                "POLYGON ((0 0, 0 10, 5 5, 10 10, 10 0, 5 5, 0 0))", // touches itself at a vertex
                "POLYGON ((0 0, 5 0, 10 0, 0 0))", // collapsed
                "POLYGON ((0 0, 0 10, 10 10, 10 0, 5 0, 5 10, 0 0))", // crosses an earlier segment
                "MULTIPOLYGON (((0 0, 0 1, 1 1, 1 0, 0 0)), ((5 5, 5 6, 6 6, 6 5, 5 5)))",
                "MULTIPOLYGON (((0 0, 0 2, 2 2, 2 0, 0 0)), ((1 1, 1 3, 3 3, 3 1, 1 1)))", // overlapping shells
                "MULTIPOLYGON (((0 0, 0 1, 1 1, 1 0, 0 0)), ((1 0, 1 1, 2 1, 2 0, 1 0)))", // shells sharing an edge
                "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))",
                "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 2 14, 4 4, 4 2, 2 2))",
                "POLYGON ((10 0, -8.09 5.88, 3.09 -9.51, 3.09 9.51, -8.09 -5.88, 10 0))", // pentagram: winds twice
                "POLYGON ((10 0, 3.09 9.51, -8.09 5.88, -8.09 -5.88, 3.09 -9.51, 10 0))", // pentagon, counter-clockwise
                "POLYGON ((10 0, 3.09 -9.51, -8.09 -5.88, -8.09 5.88, 3.09 9.51, 10 0))", // pentagon, clockwise
                "POLYGON ((10 0, 3.09 9.51, 0 0, -8.09 5.88, -8.09 -5.88, 3.09 -9.51, 10 0))")) { // through the centre
            Geometry g = r.read(wkt);
            assertThat(FastValidity.isValid(g)).as(wkt).isEqualTo(IsValidOp.isValid(g));
        }
    }

    @Test
    void agreesWithJtsOnStarShapedRingsAndTheirMutations() {
        GeometryFactory gf = new GeometryFactory();
        Random rnd = new Random(2);
        int invalid = 0;
        for (int i = 0; i < 20000; i++) {
            int n = 3 + rnd.nextInt(40);
            double[] angles = new double[n];
            for (int k = 0; k < n; k++) {
                angles[k] = rnd.nextDouble() * 2 * Math.PI;
            }
            java.util.Arrays.sort(angles);
            Coordinate[] c = new Coordinate[n + 1];
            for (int k = 0; k < n; k++) {
                double r = rnd.nextInt(4) == 0 ? 1 : 0.05 + rnd.nextDouble();
                c[k] = new Coordinate(100 + r * Math.cos(angles[k]), 50 + r * Math.sin(angles[k]));
            }
            switch (rnd.nextInt(5)) {
                case 0 -> { // swap two vertices: often a self-intersection
                    int a = rnd.nextInt(n);
                    int b = rnd.nextInt(n);
                    Coordinate t = c[a];
                    c[a] = c[b];
                    c[b] = t;
                }
                case 1 -> java.util.Collections.reverse(java.util.Arrays.asList(c).subList(0, n)); // clockwise
                case 2 -> c[rnd.nextInt(n)] = new Coordinate(100, 50); // a vertex at the centre
                case 3 -> { // snapped to a coarse grid: collinear runs and repeated points
                    for (int k = 0; k < n; k++) {
                        c[k] = new Coordinate(Math.round(c[k].x * 4) / 4.0, Math.round(c[k].y * 4) / 4.0);
                    }
                }
                default -> {
                }
            }
            c[n] = c[0].copy();
            if (n < 3) {
                continue;
            }
            Polygon p = gf.createPolygon(c);
            boolean expected = IsValidOp.isValid(p);
            invalid += expected ? 0 : 1;
            assertThat(FastValidity.isValid(p)).as(p.toText()).isEqualTo(expected);
        }
        assertThat(invalid).as("the mutations make invalid rings too").isGreaterThan(1000);
    }

    @Test
    void agreesWithJtsOnRandomRings() {
        GeometryFactory gf = new GeometryFactory();
        Random rnd = new Random(1);
        int invalid = 0;
        for (int i = 0; i < 5000; i++) {
            int n = 4 + rnd.nextInt(10);
            Coordinate[] c = new Coordinate[n + 1];
            for (int k = 0; k < n; k++) {
                // a small integer grid makes collinear points, touching vertices and spikes common
                c[k] = new Coordinate(rnd.nextInt(6), rnd.nextInt(6));
            }
            c[n] = c[0].copy();
            Polygon p = gf.createPolygon(c);
            Geometry g = rnd.nextBoolean() ? p : gf.createMultiPolygon(new Polygon[] {p,
                    gf.createPolygon(new Coordinate[] {new Coordinate(20, 20), new Coordinate(20, 21), new Coordinate(21, 21), new Coordinate(20, 20)})});
            boolean jts = IsValidOp.isValid(g);
            invalid += jts ? 0 : 1;
            assertThat(FastValidity.isValid(g)).as(g.toText()).isEqualTo(jts);
        }
        assertThat(invalid).as("the random rings include many invalid ones").isGreaterThan(1000);
    }

    @Test
    void agreesWithJtsOnRealAndGeneratedLayers() throws Exception {
        Path syn = dir.resolve("syn/syn.shp");
        SampleLayer.write(syn, 2000, 65);
        for (Path shp : List.of(SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("a0")),
                SharedData.copyNaturalEarth("ne_50m_admin_1_states_provinces", dir.resolve("a1")),
                SharedData.copyNaturalEarth("ne_10m_time_zones", dir.resolve("tz")), syn)) {
            try (ShapefileSource s = new ShapefileSource(shp, null)) {
                Feature f;
                while ((f = s.next()) != null) {
                    assertThat(FastValidity.isValid(f.geometry())).isEqualTo(IsValidOp.isValid(f.geometry()));
                }
            }
        }
    }
}
