package dev.fanout.worker.spatial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.ExitCode;
import dev.fanout.worker.TestDatabase;
import dev.fanout.worker.Worker;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.Ogr2ogr;
import dev.fanout.worker.testdata.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input ends with exit code 2 and one line naming the problem; a killed load leaves the old table intact. */
class SpatialLoadFailureTest {
    static final String SCHEMA = "spatial_failure_test";
    @TempDir
    static Path dir;
    static Path admin0;
    static FileServer http;

    @BeforeAll
    static void setUp() throws Exception {
        admin0 = SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("admin0"));
        http = new FileServer(dir);
        TestDatabase.freshSchema(SCHEMA);
    }

    @AfterAll
    static void tearDown() {
        http.close();
    }

    static Worker.Run load(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("spatial", "load", "--schema", SCHEMA));
        a.addAll(List.of(args));
        return Worker.run(dir.resolve("result.json"), a.toArray(String[]::new));
    }

    static void assertBadInput(Worker.Run run, String... messageParts) {
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(run.stderr().strip().lines()).as("one line on stderr").hasSize(1);
        assertThat(run.stderr()).startsWith("fanout-worker: bad input: ").contains(messageParts);
        assertThat(run.result()).as("no result for a failed load").isNull();
        if (run.terminationMessage() != null) { // (a command line picocli refuses never reaches the command: its log is the line)
            assertThat(run.terminationMessage()).as("the status gets the one line, not a log tail").isEqualTo(run.stderr().strip());
        }
    }

    @Test
    void aSystemSchemaIsBadInputNamingTheSchemaNotAStackTrace() throws Exception {
        Worker.Run run = Worker.run(dir.resolve("result.json"), "spatial", "load", "--schema", "pg_catalog", "--source",
                admin0.toString(), "--table", "admin0");
        assertBadInput(run, "pg_catalog", "reserved for system schemas", "SQLSTATE 42939");
    }

    @Test
    void unknownScheme() throws Exception {
        assertBadInput(load("--source", "ftp://example.org/x.shp", "--table", "t"), "unsupported scheme", "http(s)://");
    }

    @Test
    void unsupportedFormat() throws Exception {
        Files.writeString(dir.resolve("table.csv"), "a,b\n1,2\n");
        assertBadInput(load("--source", http.url("table.csv"), "--table", "t"), "table.csv is not a supported format");
    }

    @Test
    void missingLayer() throws Exception {
        Ogr2ogr.convert(admin0, dir.resolve("admin0.gpkg"), "GPKG");
        assertBadInput(load("--source", dir.resolve("admin0.gpkg").toString(), "--layer", "no_such_layer", "--table", "t"),
                "layer 'no_such_layer' is not in admin0.gpkg", "ne_50m_admin_0_countries");
    }

    @Test
    void badIdentifiers() throws Exception {
        assertBadInput(load("--source", admin0.toString(), "--table", "t; DROP TABLE x"), "--table 't; DROP TABLE x' is not a valid identifier");
        assertBadInput(load("--source", admin0.toString(), "--schema", "Robert'); --", "--table", "t"), "--schema");
        assertBadInput(load("--source", admin0.toString(), "--table", "t", "--rename", "NAME=bad name"), "--rename target for NAME");
    }

    @Test
    void corruptFile() throws Exception {
        Path broken = SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("broken"));
        byte[] shp = Files.readAllBytes(broken);
        Files.write(broken, java.util.Arrays.copyOf(shp, shp.length / 2)); // cut in the middle of a record
        Files.delete(broken.resolveSibling("ne_50m_admin_0_countries.shx"));
        assertBadInput(load("--source", broken.toString(), "--table", "t"), "ne_50m_admin_0_countries.shp is corrupt");
        Files.writeString(dir.resolve("garbage.geojson"), "{\"type\": \"FeatureCollection\", \"features\": [ {\"type\": ");
        assertBadInput(load("--source", dir.resolve("garbage.geojson").toString(), "--table", "t"), "is not valid JSON");
    }

    @Test
    void noCrsAndNoOverride() throws Exception {
        Path noPrj = SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("noprj"));
        Files.delete(noPrj.resolveSibling("ne_50m_admin_0_countries.prj"));
        assertBadInput(load("--source", noPrj.toString(), "--table", "t"), "declares no CRS", "--source-srid");
        Worker.Run withOverride = load("--source", noPrj.toString(), "--table", "noprj", "--source-srid", "4326");
        assertThat(withOverride.exitCode()).as(withOverride.stderr()).isZero();
        assertThat(withOverride.result().get("rows").asLong()).isEqualTo(242);
    }

    @Test
    void zipSlipIsRefused() throws Exception {
        Path zip = dir.resolve("evil.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("../../escaped.shp"));
            z.write(new byte[] {1, 2, 3});
            z.closeEntry();
        }
        assertBadInput(load("--source", http.url("evil.zip"), "--table", "t"), "zip-slip");
        assertThat(dir.getParent().resolve("escaped.shp")).doesNotExist();
    }

    @Test
    void aMissingSourceIsTransientSoTheOperatorRetries() throws Exception {
        Worker.Run run = load("--source", http.url("not/published/yet.shp"), "--table", "t");
        assertThat(run.exitCode()).isEqualTo(ExitCode.TRANSIENT);
        assertThat(run.stderr()).contains("transient").contains("404");
    }

    @Test
    void unreachableDatabaseIsTransient() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-jar", workerJar().toString(), "spatial", "load", "--source", admin0.toString(),
                "--table", "t", "--result", dir.resolve("unreachable.json").toString()).redirectErrorStream(true);
        pb.environment().put("FANOUT_DB_URL", "jdbc:postgresql://127.0.0.1:1/fanout"); // nothing listens on port 1
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isEqualTo(ExitCode.TRANSIENT);
        assertThat(out).contains("cannot connect to the database");
    }

    @Test
    void aDryRunChecksTheWholeSourceWithoutADatabase() throws Exception {
        Path result = dir.resolve("dry.json");
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-jar", workerJar().toString(), "spatial", "load", "--dry-run", "--source",
                admin0.toString(), "--table", "t", "--result", result.toString()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("FANOUT_DB_")); // a load without these fails at once
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        var dry = new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.toFile());
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.has("table")).as("a dry run names no table").isFalse();
        // The same counts as a real load of the same file.
        Worker.Run real = load("--source", admin0.toString(), "--table", "dry_run_check");
        assertThat(real.exitCode()).as(real.stderr()).isZero();
        assertThat(dry.get("rows").asLong()).isEqualTo(real.result().get("rows").asLong()).isEqualTo(242);
        assertThat(dry.get("invalidGeometries").asLong()).isEqualTo(real.result().get("invalidGeometries").asLong());
        assertThat(dry.get("geometryType").asText()).isEqualTo("MultiPolygon");
    }

    @Test
    void aWorkerKilledDuringCopyLeavesTheOldTableIntactAndTheNextRunSucceeds() throws Exception {
        Path small = dir.resolve("small/small.shp");
        SampleLayer.write(small, 10, 8);
        Path big = dir.resolve("big/big.shp");
        SampleLayer.write(big, 300_000, 65);
        Worker.Run first = load("--source", small.toString(), "--table", "atomic");
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        String checksum = "SELECT count(*) || ':' || sum(hashtext(ST_AsText(geom) || name)) FROM " + SCHEMA + ".atomic";
        String before = query(checksum);

        Process worker = new ProcessBuilder(javaBin(), "-Xmx512m", "-jar", workerJar().toString(), "spatial", "load", "--schema", SCHEMA,
                "--source", big.toString(), "--table", "atomic", "--result", dir.resolve("killed.json").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long copied = 0;
        while (copied < 20_000 && System.nanoTime() < deadline && worker.isAlive()) {
            // The staging table is invisible outside the loader's transaction: find its COPY by the client's name.
            String n = query("SELECT coalesce(max(p.tuples_processed), 0) FROM pg_stat_progress_copy p JOIN pg_stat_activity a "
                    + "ON a.pid = p.pid WHERE a.application_name = 'fanout-worker' AND p.command = 'COPY FROM'");
            copied = n == null ? 0 : Long.parseLong(n);
            Thread.sleep(20);
        }
        assertThat(copied).as("the COPY was under way when the worker was killed").isGreaterThanOrEqualTo(20_000);
        worker.destroyForcibly(); // SIGKILL
        worker.waitFor();

        assertThat(query(checksum)).as("readers still see the old table").isEqualTo(before);
        Worker.Run next = load("--source", big.toString(), "--table", "atomic");
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        assertThat(next.result().get("rows").asLong()).isEqualTo(300_000);
        assertThat(query("SELECT count(*) FROM " + SCHEMA + ".atomic")).isEqualTo("300000");
        assertThat(query("SELECT count(*) FROM pg_tables WHERE schemaname = '" + SCHEMA + "' AND tablename LIKE '\\_fanout\\_stage\\_%'"))
                .isEqualTo("0");
    }

    private static String query(String sql) throws Exception {
        try (Connection c = TestDatabase.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Path workerJar() {
        Path jar = Path.of("target", "fanout-worker.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("target/fanout-worker.jar is missing: ./dev/test.sh packages it before the tests");
        }
        return jar.toAbsolutePath();
    }

    /** A one-feature GeoPackage layer of the given type, written by ogr2ogr from WKT (GDAL writes the extension's types). */
    static Path gpkg(String name, String nlt, String wkt) throws Exception {
        Path csv = dir.resolve(name + ".csv");
        Files.writeString(csv, "id,WKT\n1,\"" + wkt + "\"\n");
        Path out = dir.resolve(name + ".gpkg");
        Files.deleteIfExists(out);
        Ogr2ogr.run(List.of("ogr2ogr", "-f", "GPKG", out.toString(), csv.toString(), "-oo", "GEOM_POSSIBLE_NAMES=WKT",
                "-oo", "KEEP_GEOM_COLUMNS=NO", "-nlt", nlt, "-a_srs", "EPSG:4326", "-nln", name));
        return out;
    }

    @Test
    void geoPackageCurveAndMixedTypesAreRefusedNamingTheTypeNeverLoadedAsNull() throws Exception {
        assertBadInput(load("--source", gpkg("curves", "CURVEPOLYGON", "CURVEPOLYGON(CIRCULARSTRING(0 0,1 1,2 0,1 -1,0 0))").toString(),
                "--table", "curves"), "geometry type CURVEPOLYGON", "curve or surface type", "CONVERT_TO_LINEAR");
        assertBadInput(load("--source", gpkg("compound", "COMPOUNDCURVE", "COMPOUNDCURVE((0 0,1 1),CIRCULARSTRING(1 1,2 2,3 1))").toString(),
                "--table", "compound"), "geometry type COMPOUNDCURVE");
        assertBadInput(load("--source", gpkg("mixed", "GEOMETRY", "POLYGON((0 0,1 1,2 0,0 0))").toString(), "--table", "mixed"),
                "geometry type GEOMETRY", "split the layer by type");
        try (Connection c = TestDatabase.connect(); Statement st = c.createStatement()) {
            for (String t : List.of("curves", "compound", "mixed")) {
                try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + SCHEMA + "." + t + "') IS NULL")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).as("no table " + t).isTrue();
                }
            }
        }
    }

    @Test
    void geoPackageZVariantsAreLoadedWithTheirZ() throws Exception {
        Worker.Run run = load("--source", gpkg("zpoly", "POLYGON25D", "POLYGON Z ((0 0 1,1 1 2,2 0 3,0 0 1))").toString(), "--table", "zpoly");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().get("geometryType").asText()).isEqualTo("MultiPolygonZ");
        try (Connection c = TestDatabase.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ST_NDims(geom), ST_AsText(geom) FROM " + SCHEMA + ".zpoly")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(3);
            assertThat(rs.getString(2)).isEqualTo("MULTIPOLYGON Z (((0 0 1,1 1 2,2 0 3,0 0 1)))");
        }
    }
}
