package dev.fanout.worker.spatial;

import static org.assertj.core.api.Assertions.assertThat;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.worker.TestDatabase;
import dev.fanout.worker.Worker;
import dev.fanout.worker.testdata.NaturalEarthServer;
import dev.fanout.worker.testdata.Ogr2ogr;
import dev.fanout.worker.testdata.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker against the real thing: Natural Earth layers served over http on loopback, loaded into the test bed's PostGIS,
 * compared feature by feature with what ogr2ogr loads from the same files.
 */
class SpatialLoadTest {
    static final String SCHEMA = "spatial_load_test";
    @RegisterExtension
    static final NaturalEarthServer http = new NaturalEarthServer();
    @TempDir
    static Path dir;
    static Connection db;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.connect();
        try (Statement st = db.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            st.execute("CREATE SCHEMA " + SCHEMA);
        }
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (db != null) {
            db.close();
        }
    }

    static Worker.Run load(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("spatial", "load", "--schema", SCHEMA));
        a.addAll(List.of(args));
        return Worker.run(dir.resolve("result.json"), a.toArray(String[]::new));
    }

    static long count(String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Features of ours (fid from 1 in file order) whose geometry differs from ogr2ogr's (ogc_fid, same order). */
    static long geometryMismatches(String ours, String theirs, double tolerance) throws SQLException {
        return count("SELECT count(*) FROM " + SCHEMA + "." + ours + " a FULL JOIN public." + theirs + " b ON a.fid = b.ogc_fid "
                + "WHERE a.fid IS NULL OR b.ogc_fid IS NULL OR NOT (CASE WHEN ST_OrderingEquals(a.geom, b.geom) THEN true "
                + "ELSE ST_HausdorffDistance(ST_SnapToGrid(a.geom, 1e-9), ST_SnapToGrid(b.geom, 1e-9)) < " + tolerance + " END)");
    }

    /** Attribute cells that differ: every column ogr2ogr made, compared as numbers when both sides are numeric. */
    static long attributeMismatches(String ours, String theirs) throws SQLException {
        List<String> checks = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT b.column_name, a.data_type, b.data_type FROM information_schema.columns b JOIN information_schema.columns a "
                        + "ON a.column_name = b.column_name AND a.table_schema = '" + SCHEMA + "' AND a.table_name = '" + ours + "' "
                        + "WHERE b.table_schema = 'public' AND b.table_name = '" + theirs + "' AND b.column_name NOT IN ('ogc_fid', 'geom')")) {
            while (rs.next()) {
                String c = '"' + rs.getString(1) + '"';
                boolean numeric = rs.getString(2).matches("integer|bigint|numeric|double precision")
                        && rs.getString(3).matches("integer|bigint|numeric|double precision");
                checks.add(numeric ? "a." + c + "::numeric IS DISTINCT FROM b." + c + "::numeric"
                        : "coalesce(a." + c + "::text, '') IS DISTINCT FROM coalesce(b." + c + "::text, '')");
            }
        }
        assertThat(checks).as("columns in common with ogr2ogr's table").hasSizeGreaterThan(10);
        return count("SELECT count(*) FROM " + SCHEMA + "." + ours + " a JOIN public." + theirs + " b ON a.fid = b.ogc_fid WHERE "
                + String.join(" OR ", checks));
    }

    @Test
    void allThreeNaturalEarthLayersLoadOverHttpAndMatchOgr2ogrFeatureByFeature() throws Exception {
        record Layer(String dir, String name, String table, long features) {
        }
        for (Layer l : List.of(new Layer("admin0", "ne_50m_admin_0_countries", "admin_level_0", 242),
                new Layer("admin1", "ne_50m_admin_1_states_provinces", "admin_level_1", 294),
                new Layer("tz", "ne_10m_time_zones", "timezones", 120))) {
            Worker.Run run = load("--source", http.url(l.dir() + "/" + l.name() + ".shp"), "--table", l.table());
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            assertThat(run.result().get("rows").asLong()).isEqualTo(l.features());
            assertThat(run.result().get("table").asText()).isEqualTo(SCHEMA + "." + l.table());
            assertThat(run.result().get("bytes").asLong()).isGreaterThan(Files.size(http.dir().resolve(l.dir()).resolve(l.name() + ".shp")));
            assertThat(count("SELECT count(*) FROM " + SCHEMA + "." + l.table())).isEqualTo(l.features());
            assertThat(count("SELECT count(DISTINCT ST_SRID(geom)) FILTER (WHERE ST_SRID(geom) = 4326) + count(*) FILTER ("
                    + "WHERE GeometryType(geom) <> 'MULTIPOLYGON') FROM " + SCHEMA + "." + l.table())).isEqualTo(1);

            String ogr = "ogr_" + l.table();
            Ogr2ogr.loadIntoPostgis(http.dir().resolve(l.dir()).resolve(l.name() + ".shp"), ogr, null);
            assertThat(geometryMismatches(l.table(), ogr, 1e-9)).as("geometries differing from ogr2ogr in " + l.table()).isZero();
            assertThat(attributeMismatches(l.table(), ogr)).as("attribute cells differing from ogr2ogr in " + l.table()).isZero();
        }
        // Non-ASCII text survives: UTF-8 per .cpg (admin 1) and Windows-1252 per the DBF language byte (time zones).
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".admin_level_1 WHERE name = 'Québec' AND name_ru = 'Квебек'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".timezones WHERE places LIKE '%Côte d''Ivoire%'")).isEqualTo(1);
    }

    @Test
    void severalCopyStreamsLoadEveryFeatureOnceAsOgr2ogrDoesWithLz4Geometries() throws Exception {
        Path shp = http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.shp");
        Worker.Run run = load("--source", http.url("admin1/ne_50m_admin_1_states_provinces.shp"), "--table", "admin1_streams",
                "--copy-streams", "3");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().get("rows").asLong()).isEqualTo(294);
        assertThat(count("SELECT count(DISTINCT fid) FROM " + SCHEMA + ".admin1_streams WHERE fid BETWEEN 1 AND 294")).isEqualTo(294);
        Ogr2ogr.loadIntoPostgis(shp, "ogr_admin1_streams", null);
        assertThat(geometryMismatches("admin1_streams", "ogr_admin1_streams", 1e-9)).isZero();
        assertThat(attributeMismatches("admin1_streams", "ogr_admin1_streams")).isZero();
        assertThat(query("SELECT attcompression FROM pg_attribute WHERE attrelid = '" + SCHEMA + ".admin1_streams'::regclass "
                + "AND attname = 'geom'")).as("lz4").isEqualTo("l");
        assertThat(count("SELECT count(*) FROM pg_tables WHERE tablename LIKE '\\_fanout\\_stage\\_%'")).as("no staging table left").isZero();

        Worker.Run pglz = load("--source", http.url("admin1/ne_50m_admin_1_states_provinces.shp"), "--table", "admin1_streams",
                "--geometry-compression", "pglz");
        assertThat(pglz.exitCode()).as(pglz.stderr()).isZero();
        assertThat(query("SELECT attcompression FROM pg_attribute WHERE attrelid = '" + SCHEMA + ".admin1_streams'::regclass "
                + "AND attname = 'geom'")).as("the server's default").isIn("", "\u0000", null);
        Worker.Run bad = load("--source", http.url("admin1/ne_50m_admin_1_states_provinces.shp"), "--table", "admin1_streams",
                "--copy-streams", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("--copy-streams must be 1 to 16");
    }

    @Test
    void polygonsReprojectedFromLaeaComeBackOnTheirSideOfTheAntimeridianAndMatchTheSource() throws Exception {
        // Countries as a European user has them (ETRS89-LAEA, EPSG:3035, made by ogr2ogr), loaded back into 4326: Russia's
        // parts at +-180 and the Aleutians must come back where Natural Earth has them, not stretched across the map.
        Path shp = http.dir().resolve("admin0/ne_50m_admin_0_countries.shp");
        Path laea = dir.resolve("laea.gpkg");
        Ogr2ogr.run(List.of("ogr2ogr", "-f", "GPKG", laea.toString(), shp.toString(), "-t_srs", "EPSG:3035", "-nln", "laea",
                "-nlt", "PROMOTE_TO_MULTI", "-where", "ADM0_A3 IN ('RUS', 'USA', 'NOR', 'FIN')"));
        Worker.Run run = load("--source", laea.toString(), "--table", "laea_back");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().get("rows").asLong()).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM (SELECT (ST_Dump(geom)).geom g FROM " + SCHEMA + ".laea_back) d "
                + "WHERE ST_XMax(g) - ST_XMin(g) > 180")).as("parts stretched across the map").isZero();
        Ogr2ogr.loadIntoPostgis(shp, "ogr_admin0_source", null);
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".laea_back a JOIN public.ogr_admin0_source b ON a.adm0_a3 = b.adm0_a3 "
                + "WHERE ST_HausdorffDistance(a.geom, b.geom) < 1e-6")).as("countries back within 1e-6 degrees of the source").isEqualTo(4);
    }

    @Test
    void theOfficialZipLoadsWithTheDatasetFoundInside() throws Exception {
        Worker.Run run = load("--source", http.url("admin0/ne_50m_admin_0_countries.zip"), "--table", "admin0_from_zip",
                "--select", "ADM0_A3,NAME,POP_EST", "--rename", "NAME=country_name", "--key", "adm0_a3");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().get("rows").asLong()).isEqualTo(242);
        assertThat(count("SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + SCHEMA
                + "' AND table_name = 'admin0_from_zip'")).isEqualTo(5); // fid, geom, adm0_a3, country_name, pop_est
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".admin0_from_zip WHERE country_name = 'Zimbabwe' AND adm0_a3 = 'ZWE'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + SCHEMA + "' AND tablename = 'admin0_from_zip' "
                + "AND indexname IN ('admin0_from_zip_pkey', 'admin0_from_zip_geom_gist', 'admin0_from_zip_adm0_a3_idx')")).isEqualTo(3);
        // The unique index built beside the others became the table's primary key.
        assertThat(count("SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid = '" + SCHEMA + ".admin0_from_zip'::regclass "
                + "AND conname = 'admin0_from_zip_pkey'")).isEqualTo(1);
    }

    @Test
    void aLayerOfManyRowsGetsTheSameIndexesBuiltOnTwoConnections() throws Exception {
        Path shp = dir.resolve("many/layer.shp");
        SampleLayer.write(shp, (int) PostgisLoader.PARALLEL_INDEX_ROWS, 6);
        Worker.Run run = load("--source", shp.toString(), "--table", "many_rows", "--key", "code,category");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result().get("rows").asLong()).isEqualTo(PostgisLoader.PARALLEL_INDEX_ROWS);
        assertThat(count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + SCHEMA + "' AND tablename = 'many_rows' AND indexname IN "
                + "('many_rows_pkey', 'many_rows_geom_gist', 'many_rows_code_idx', 'many_rows_category_idx')")).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid = '" + SCHEMA + ".many_rows'::regclass "
                + "AND conname = 'many_rows_pkey'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM pg_class WHERE relname LIKE '_fanout_stage_many_rows%'")).isZero();
    }

    @Test
    void geoPackageAndGeoJsonInputsLoadTheSameFeatures() throws Exception {
        Path shp = http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.shp");
        Ogr2ogr.convert(shp, http.dir().resolve("admin1.gpkg"), "GPKG"); // served beside the layers
        Ogr2ogr.convert(shp, http.dir().resolve("admin1.geojson"), "GeoJSON");
        Ogr2ogr.loadIntoPostgis(shp, "ogr_admin1_for_formats", null);
        for (String f : List.of("admin1.gpkg", "admin1.geojson")) {
            String table = "admin1_" + f.replace('.', '_');
            Worker.Run run = load("--source", http.url(f), "--table", table);
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            assertThat(run.result().get("rows").asLong()).isEqualTo(294);
            assertThat(geometryMismatches(table, "ogr_admin1_for_formats", 1e-9)).as(f).isZero();
            assertThat(count("SELECT count(*) FROM " + SCHEMA + "." + table + " a JOIN public.ogr_admin1_for_formats b ON a.fid = b.ogc_fid "
                    + "WHERE a.name IS DISTINCT FROM b.name OR a.adm0_a3 IS DISTINCT FROM b.adm0_a3")).as(f).isZero();
        }
    }

    @Test
    void nad27DataIsReprojectedLikeOgr2ogrWithinTolerance() throws Exception {
        Path sf = SharedData.sfData();
        Path shp = SharedData.copyNaturalEarthLike(sf.resolve("shape"), "nc", dir.resolve("nc"));
        Files.copy(sf.resolve("gpkg/nc.gpkg"), dir.resolve("nc/nc.gpkg"));
        Ogr2ogr.loadIntoPostgis(shp, "ogr_nc_4326", "EPSG:4326");
        for (String f : List.of("nc/nc.shp", "nc/nc.gpkg")) {
            String table = "nc_" + f.substring(f.lastIndexOf('.') + 1);
            Worker.Run run = load("--source", dir.resolve(f).toString(), "--table", table);
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            assertThat(run.result().get("rows").asLong()).isEqualTo(100);
            assertThat(run.result().get("sourceCrs").asText()).isEqualTo("EPSG:4267");
            // PROJ (ogr2ogr) and proj4j pick different NAD27 -> WGS 84 datum shifts: agreement within 1e-3 degrees (~100 m).
            assertThat(geometryMismatches(table, "ogr_nc_4326", 1e-3)).as(f).isZero();
            assertThat(count("SELECT count(*) FROM " + SCHEMA + "." + table + " WHERE ST_SRID(geom) <> 4326")).isZero();
        }
    }

    @Test
    void linkFillsForeignKeysAndCountsOrphansLikeAPlainJoin() throws Exception {
        assertThat(load("--source", http.dir().resolve("admin0/ne_50m_admin_0_countries.shp").toString(), "--table", "link_admin0",
                "--key", "adm0_a3").exitCode()).isZero();
        assertThat(load("--source", http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.shp").toString(), "--table", "link_admin1",
                "--key", "adm0_a3").exitCode()).isZero();
        // A child row whose key has no parent: an orphan.
        try (Statement st = db.createStatement()) {
            st.execute("UPDATE " + SCHEMA + ".link_admin1 SET adm0_a3 = 'XXX' WHERE fid = 1");
        }
        long joined = count("SELECT count(*) FROM " + SCHEMA + ".link_admin1 c JOIN " + SCHEMA + ".link_admin0 p ON p.adm0_a3 = c.adm0_a3");
        long orphans = count("SELECT count(*) FROM " + SCHEMA + ".link_admin1 c WHERE NOT EXISTS (SELECT 1 FROM " + SCHEMA
                + ".link_admin0 p WHERE p.adm0_a3 = c.adm0_a3)");
        for (int run = 1; run <= 2; run++) {
            Worker.Run r = Worker.run(dir.resolve("link.json"), "spatial", "link", "--schema", SCHEMA,
                    "--link", "link_admin1.adm0_a3=link_admin0.ADM0_A3:admin0_fid");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            var l = r.result().get("links").get(0);
            assertThat(l.get("linked").asLong()).isEqualTo(joined).isEqualTo(293);
            assertThat(l.get("orphans").asLong()).isEqualTo(orphans).isEqualTo(1);
            assertThat(l.get("orphanKeys").get(0).asText()).isEqualTo("XXX");
            assertThat(l.get("rowsUpdated").asLong()).isEqualTo(run == 1 ? joined : 0); // the second run writes nothing
        }
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".link_admin1 c JOIN " + SCHEMA + ".link_admin0 p ON p.fid = c.admin0_fid "
                + "WHERE p.adm0_a3 = c.adm0_a3")).isEqualTo(joined);
        assertThat(count("SELECT count(*) FROM pg_constraint WHERE conname = 'link_admin1_admin0_fid_fkey' AND contype = 'f'")).isEqualTo(1);
        // Reloading the parent drops the FK into it (reported), which the next link run re-creates.
        Worker.Run reload = load("--source", http.dir().resolve("admin0/ne_50m_admin_0_countries.shp").toString(), "--table", "link_admin0");
        assertThat(reload.result().get("droppedForeignKeys").get(0).asText()).endsWith("link_admin1_admin0_fid_fkey");
    }

    /**
     * Links that share no table run at once on connections of their own (LinkCommand#rounds), one that shares a table
     * after them: every link is filled as a plain join says, and a second run writes nothing.
     */
    @Test
    void linksThatShareNoTableRunAtOnceAndEachFillsItsKeysAsAJoinDoes() throws Exception {
        for (String t : List.of("par_c1", "par_c2")) {
            assertThat(load("--source", http.dir().resolve("admin0/ne_50m_admin_0_countries.shp").toString(), "--table", t,
                    "--key", "adm0_a3").exitCode()).isZero();
        }
        for (String t : List.of("par_s1", "par_s2")) {
            assertThat(load("--source", http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.shp").toString(), "--table", t,
                    "--key", "adm0_a3").exitCode()).isZero();
        }
        List<String[]> links = List.of(new String[] {"par_s1", "par_c1", "par_c1_fid"}, new String[] {"par_s2", "par_c2", "par_c2_fid"},
                new String[] {"par_s1", "par_c2", "par_c2_fid"});
        List<String> args = new java.util.ArrayList<>(List.of("spatial", "link", "--schema", SCHEMA));
        links.forEach(l -> args.addAll(List.of("--link", l[0] + ".adm0_a3=" + l[1] + ".ADM0_A3:" + l[2])));
        for (int run = 1; run <= 2; run++) {
            Worker.Run r = Worker.run(dir.resolve("links.json"), args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            for (int i = 0; i < links.size(); i++) {
                String[] l = links.get(i);
                var report = r.result().get("links").get(i);
                assertThat(report.get("child").asText()).isEqualTo(SCHEMA + "." + l[0]);
                assertThat(report.get("parent").asText()).isEqualTo(SCHEMA + "." + l[1]);
                assertThat(report.get("linked").asLong()).isEqualTo(294);
                assertThat(report.get("rowsUpdated").asLong()).as("run %d, link %d", run, i).isEqualTo(run == 1 ? 294 : 0);
                assertThat(count("SELECT count(*) FROM " + SCHEMA + "." + l[0] + " c JOIN " + SCHEMA + "." + l[1] + " p ON p.fid = c."
                        + l[2] + " WHERE p.adm0_a3 = c.adm0_a3")).as("link %d", i).isEqualTo(294);
                assertThat(count("SELECT count(*) FROM pg_constraint WHERE conname = '" + l[0] + "_" + l[2] + "_fkey' AND contype = 'f'"))
                        .isEqualTo(1);
            }
        }
    }

    /** The child's indexes: name -> (oid, definition), the definition with the table's name cut out. */
    static java.util.Map<String, List<String>> indexes(String table) throws SQLException {
        java.util.Map<String, List<String>> out = new java.util.TreeMap<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT c.relname, c.oid::text, pg_get_indexdef(c.oid) "
                + "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '" + SCHEMA + "." + table + "'::regclass")) {
            while (rs.next()) {
                out.put(rs.getString(1), List.of(rs.getString(2), rs.getString(3)));
            }
        }
        return out;
    }

    /**
     * A link that writes a new FK column into every row of a large child (LinkCommand#REBUILD_INDEXES_ROWS) drops the
     * child's GiST and key indexes for the UPDATE and builds them again: the same definitions, new indexes; the primary
     * key is kept. A second run, which writes nothing, rebuilds nothing.
     */
    @Test
    void aLinkFillingANewColumnOfALargeChildBuildsItsIndexesAgainAsTheyWere() throws Exception {
        Path shp = dir.resolve("large/sample.shp");
        Files.createDirectories(shp.getParent());
        SampleLayer.write(shp, 12_000, 8);
        for (String t : List.of("large_parent", "large_child")) {
            Worker.Run r = load("--source", shp.toString(), "--table", t, "--key", "code");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }
        var before = indexes("large_child");
        assertThat(before).hasSize(3); // primary key, GiST, the key's btree
        var after = before;
        for (int run = 1; run <= 2; run++) {
            Worker.Run r = Worker.run(dir.resolve("large-link.json"), "spatial", "link", "--schema", SCHEMA,
                    "--link", "large_child.code=large_parent.code:parent_fid");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            var l = r.result().get("links").get(0);
            assertThat(l.get("linked").asLong()).isEqualTo(12_000);
            assertThat(l.get("rowsUpdated").asLong()).isEqualTo(run == 1 ? 12_000 : 0);
            assertThat(count("SELECT count(*) FROM " + SCHEMA + ".large_child c JOIN " + SCHEMA
                    + ".large_parent p ON p.fid = c.parent_fid WHERE p.code = c.code")).isEqualTo(12_000);
            var now = indexes("large_child");
            assertThat(now.keySet()).containsAll(before.keySet()).contains("large_child_parent_fid_idx").hasSize(4);
            for (String name : before.keySet()) {
                assertThat(now.get(name).get(1)).as("%s's definition", name).isEqualTo(before.get(name).get(1));
                boolean rebuilt = !now.get(name).get(0).equals(after.get(name).get(0));
                assertThat(rebuilt).as("run %d: %s built again", run, name).isEqualTo(run == 1 && !name.endsWith("_pkey"));
            }
            after = now;
        }
    }

    // What a load records of its source, and --skip-unchanged: the table is kept exactly when it holds the same bytes under
    // the same fingerprint.

    static String query(String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static String oid(String table) throws SQLException {
        return query("SELECT '" + SCHEMA + "." + table + "'::regclass::oid::text");
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void aShapefileLoadRecordsEveryFileItReadAndKeepsTheTableOnlyForTheSameBytesAndFingerprint() throws Exception {
        String url = http.url("admin1/ne_50m_admin_1_states_provinces.shp");
        Worker.Run first = load("--source", url, "--table", "states_versions", "--fingerprint", "f1");
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        JsonNode source = first.result().get("source");
        assertThat(source.get("files").get(0).get("url").asText()).isEqualTo(url);
        assertThat(source.get("files").get(0).get("sha256").asText())
                .isEqualTo(sha256(http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.shp")));
        assertThat(source.get("files").get(0).get("etag").asText()).startsWith("\"");
        assertThat(source.get("files").get(0).get("lastModified").asText()).endsWith("GMT");
        assertThat(source.get("files").findValuesAsText("url")).as("the .dbf is read too, so its changes count")
                .anyMatch(u -> u.endsWith(".dbf"));
        assertThat(source.get("fingerprint").asText()).isEqualTo("f1");
        JsonNode comment = new ObjectMapper().readTree(query("SELECT obj_description('" + SCHEMA + ".states_versions'::regclass, 'pg_class')"));
        assertThat(comment.get("fanout").get("sha256").asText()).isEqualTo(source.get("sha256").asText());
        assertThat(comment.get("fanout").get("rows").asLong()).isEqualTo(first.result().get("rows").asLong());
        String oid = oid("states_versions");

        // The same bytes, though the server now says another Last-Modified: kept.
        Path dbf = http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.dbf");
        Files.setLastModifiedTime(dbf, FileTime.fromMillis(Files.getLastModifiedTime(dbf).toMillis() + 60_000));
        Worker.Run again = load("--source", url, "--table", "states_versions", "--fingerprint", "f1", "--skip-unchanged");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.result().get("unchanged").asBoolean()).isTrue();
        assertThat(again.result().get("rows").asLong()).isEqualTo(first.result().get("rows").asLong());
        assertThat(oid("states_versions")).as("the table was not replaced").isEqualTo(oid);

        // Another fingerprint (the layer's spec changed): loaded anew.
        Worker.Run respecified = load("--source", url, "--table", "states_versions", "--fingerprint", "f2", "--skip-unchanged");
        assertThat(respecified.exitCode()).as(respecified.stderr()).isZero();
        assertThat(respecified.result().has("unchanged")).isFalse();
        assertThat(oid("states_versions")).isNotEqualTo(oid);
    }

    @Test
    void changedBytesAreLoadedEvenWithSkipUnchanged() throws Exception {
        Path file = http.dir().resolve("points.geojson");
        Files.writeString(file, geojson(2));
        String url = http.url("points.geojson");
        assertThat(load("--source", url, "--table", "points_versions", "--fingerprint", "f").exitCode()).isZero();
        String oid = oid("points_versions");
        Files.writeString(file, geojson(3));
        Worker.Run changed = load("--source", url, "--table", "points_versions", "--fingerprint", "f", "--skip-unchanged");
        assertThat(changed.exitCode()).as(changed.stderr()).isZero();
        assertThat(changed.result().has("unchanged")).isFalse();
        assertThat(changed.result().get("rows").asLong()).isEqualTo(3);
        assertThat(oid("points_versions")).isNotEqualTo(oid);
        assertThat(changed.result().get("source").get("sha256").asText()).isEqualTo(sha256(file));
    }

    private static String geojson(int n) {
        StringBuilder b = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"type\":\"Feature\",\"properties\":{\"id\":").append(i)
                    .append("},\"geometry\":{\"type\":\"Point\",\"coordinates\":[").append(i).append(",1]}}");
        }
        return b.append("]}").toString();
    }
}
