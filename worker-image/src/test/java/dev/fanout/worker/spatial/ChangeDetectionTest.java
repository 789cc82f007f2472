package dev.fanout.worker.spatial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.worker.TestDatabase;
import dev.fanout.worker.Worker;
import dev.fanout.worker.testdata.NaturalEarthServer;
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
 * What a load records of its source (each file's validators and SHA-256, in the result and the table's comment), and
 * --skip-unchanged: the table is kept exactly when it holds the same bytes under the same fingerprint.
 */
class ChangeDetectionTest {
    static final String SCHEMA = "change_detection_test";
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
        Worker.Run first = load("--source", url, "--table", "states", "--fingerprint", "f1");
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
        JsonNode comment = new ObjectMapper().readTree(query("SELECT obj_description('" + SCHEMA + ".states'::regclass, 'pg_class')"));
        assertThat(comment.get("fanout").get("sha256").asText()).isEqualTo(source.get("sha256").asText());
        assertThat(comment.get("fanout").get("rows").asLong()).isEqualTo(first.result().get("rows").asLong());
        String oid = oid("states");

        // The same bytes, though the server now says another Last-Modified: kept.
        Path dbf = http.dir().resolve("admin1/ne_50m_admin_1_states_provinces.dbf");
        Files.setLastModifiedTime(dbf, FileTime.fromMillis(Files.getLastModifiedTime(dbf).toMillis() + 60_000));
        Worker.Run again = load("--source", url, "--table", "states", "--fingerprint", "f1", "--skip-unchanged");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.result().get("unchanged").asBoolean()).isTrue();
        assertThat(again.result().get("rows").asLong()).isEqualTo(first.result().get("rows").asLong());
        assertThat(oid("states")).as("the table was not replaced").isEqualTo(oid);

        // Another fingerprint (the layer's spec changed): loaded anew.
        Worker.Run respecified = load("--source", url, "--table", "states", "--fingerprint", "f2", "--skip-unchanged");
        assertThat(respecified.exitCode()).as(respecified.stderr()).isZero();
        assertThat(respecified.result().has("unchanged")).isFalse();
        assertThat(oid("states")).isNotEqualTo(oid);
    }

    @Test
    void changedBytesAreLoadedEvenWithSkipUnchanged() throws Exception {
        Path file = http.dir().resolve("points.geojson");
        Files.writeString(file, geojson(2));
        String url = http.url("points.geojson");
        assertThat(load("--source", url, "--table", "points", "--fingerprint", "f").exitCode()).isZero();
        String oid = oid("points");
        Files.writeString(file, geojson(3));
        Worker.Run changed = load("--source", url, "--table", "points", "--fingerprint", "f", "--skip-unchanged");
        assertThat(changed.exitCode()).as(changed.stderr()).isZero();
        assertThat(changed.result().has("unchanged")).isFalse();
        assertThat(changed.result().get("rows").asLong()).isEqualTo(3);
        assertThat(oid("points")).isNotEqualTo(oid);
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
