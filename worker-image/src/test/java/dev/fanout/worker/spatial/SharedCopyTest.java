package dev.fanout.worker.spatial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.ExitCode;
import dev.fanout.worker.TestDatabase;
import dev.fanout.worker.Worker;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers that share a source read one copy of it (--shared-copy-*): worker processes at once, as the pods of a SpatialLoad
 * run, against a real http server and PostGIS. The copy is made once per tag, a download killed half way leaves no copy,
 * and a new tag replaces the old copy.
 */
class SharedCopyTest {
    static final String SCHEMA = "shared_copy_test";
    static final String SHP = "admin0/ne_50m_admin_0_countries.shp";
    @TempDir
    static Path dir;
    static FileServer http;
    static Path cache;

    @BeforeAll
    static void setUp() throws Exception {
        SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("admin0"));
        http = new FileServer(dir);
        cache = Files.createDirectories(dir.resolve("cache"));
        TestDatabase.freshSchema(SCHEMA);
    }

    @AfterAll
    static void tearDown() {
        http.close();
    }

    /** A worker process loading the shared .shp into a table, with the copy's key and tag. */
    static Process start(String table, String key, String tag) throws Exception {
        return new ProcessBuilder(SpatialLoadFailureTest.javaBin(), "-jar", SpatialLoadFailureTest.workerJar().toString(), "spatial",
                "load", "--schema", SCHEMA, "--source", http.url(SHP), "--table", table, "--fingerprint", "f",
                "--shared-copy-dir", cache.toString(), "--shared-copy-key", key, "--shared-copy-tag", tag,
                "--work-dir", dir.resolve("work-" + table).toString(), "--result", dir.resolve(table + ".json").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(table + ".log").toFile()).start();
    }

    static JsonNode finish(Process p, String table) throws Exception {
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as(table + " finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve(table + ".log"))).isZero();
        assertThat(count(table)).isEqualTo(242);
        return new ObjectMapper().readTree(dir.resolve(table + ".json").toFile());
    }

    /** Whether a process has this file open (it is waiting for, or holds, the copy's lock). */
    static boolean hasOpen(Process p, Path file) {
        try (var fds = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (Exception e) {
            return false;
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 60 s for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void layersSharingASourceDownloadItOnceAndReadTheSameBytes() throws Exception {
        int shp = http.downloads(SHP); // the server's counts are the class's (other tests fetch the same file)
        int dbf = http.downloads("admin0/ne_50m_admin_0_countries.dbf");
        http.hold(SHP);
        Path lock = cache.resolve("countries.lock");
        List<Process> ps = new ArrayList<>();
        for (String t : List.of("a", "b", "c")) {
            ps.add(start(t, "countries", "run-1"));
        }
        // All three are at the copy at once: one downloading (held by the server), two waiting on its lock.
        await("three tasks at the copy's lock", () -> ps.stream().allMatch(p -> hasOpen(p, lock)));
        assertThat(http.downloads(SHP)).isEqualTo(shp);
        http.release();
        List<JsonNode> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            results.add(finish(ps.get(i), List.of("a", "b", "c").get(i)));
        }
        assertThat(http.downloads(SHP)).as("one download of the .shp").isEqualTo(shp + 1);
        assertThat(http.downloads("admin0/ne_50m_admin_0_countries.dbf")).as("and of its .dbf").isEqualTo(dbf + 1);
        long size = 0;
        for (String ext : List.of("shp", "dbf", "shx", "prj", "cpg")) {
            size += Files.size(dir.resolve("admin0/ne_50m_admin_0_countries." + ext));
        }
        long total = size;
        assertThat(results).extracting(r -> r.get("downloadedBytes").asLong()).containsExactlyInAnyOrder(total, 0L, 0L);
        assertThat(results).extracting(r -> r.get("bytes").asLong()).allMatch(b -> b >= total);
        assertThat(results).extracting(r -> r.at("/source/sha256").asText()).as("the same bytes, the same version")
                .containsOnly(results.get(0).at("/source/sha256").asText());
        assertThat(results.get(0).at("/source/files")).hasSize(5);

        // The same tag again (a retry in the same run): the copy is read, nothing downloaded.
        JsonNode retry = finish(start("d", "countries", "run-1"), "d");
        assertThat(retry.get("downloadedBytes").asLong()).isZero();
        assertThat(http.downloads(SHP)).isEqualTo(shp + 1);

        // A new run's tag replaces the copy: one download more, one copy kept.
        JsonNode next = finish(start("e", "countries", "run-2"), "e");
        assertThat(next.get("downloadedBytes").asLong()).isEqualTo(total);
        assertThat(http.downloads(SHP)).isEqualTo(shp + 2);
        try (var entries = Files.list(cache)) {
            assertThat(entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("countries")).sorted())
                    .as("one copy of the key").containsExactly("countries", "countries.lock");
        }
        assertThat(Files.readString(cache.resolve("countries/copy.json"))).contains("\"tag\":\"run-2\"");
    }

    @Test
    void aDownloadKilledHalfWayLeavesNoCopyAndTheNextTaskFetchesAgain() throws Exception {
        http.hold(SHP);
        Process killed = start("killed", "killed", "run-1");
        await("the download under way", () -> hasOpen(killed, cache.resolve("killed.lock")) && Files.isDirectory(cache.resolve("killed")));
        killed.destroyForcibly(); // SIGKILL while it holds the lock and waits for the body
        killed.waitFor();
        assertThat(Files.exists(cache.resolve("killed/copy.json"))).isFalse();
        http.release();
        JsonNode next = finish(start("after_kill", "killed", "run-1"), "after_kill");
        assertThat(next.get("downloadedBytes").asLong()).as("the next task downloads it itself").isPositive();
        assertThat(Files.readString(cache.resolve("killed/copy.json"))).contains("\"tag\":\"run-1\"");
    }

    @Test
    void makingACopyRemovesOtherCopiesMadeOverAWeekAgoThatNoTaskHolds() throws Exception {
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofDays(8)));
        for (String key : List.of("stale", "held", "recent")) {
            Files.createDirectories(cache.resolve(key));
            Files.writeString(cache.resolve(key + "/data.gpkg"), "x");
            Files.writeString(cache.resolve(key + "/copy.json"), "{\"tag\":\"run-1\",\"file\":\"data.gpkg\",\"files\":[]}");
            Files.createFile(cache.resolve(key + ".lock"));
            if (!key.equals("recent")) {
                Files.setLastModifiedTime(cache.resolve(key + "/copy.json"), old);
            }
        }
        try (var reader = java.nio.channels.FileChannel.open(cache.resolve("held.lock"), java.nio.file.StandardOpenOption.READ);
                var lock = reader.lock(0, Long.MAX_VALUE, true)) { // a task reading the held copy
            finish(start("pruner", "pruner", "run-1"), "pruner");
        }
        assertThat(cache.resolve("stale")).as("made 8 days ago, free: removed").doesNotExist();
        assertThat(cache.resolve("stale.lock")).exists();
        assertThat(cache.resolve("held/data.gpkg")).as("being read: kept").exists();
        assertThat(cache.resolve("recent/data.gpkg")).as("made now: kept").exists();
        assertThat(cache.resolve("pruner/copy.json")).exists();
    }

    @Test
    void aKeyThatCouldLeaveTheDirectoryIsBadInput() throws Exception {
        Worker.Run run = Worker.run(dir.resolve("bad.json"), "spatial", "load", "--schema", SCHEMA, "--source", http.url(SHP),
                "--table", "bad", "--shared-copy-dir", cache.toString(), "--shared-copy-key", "../x", "--shared-copy-tag", "t");
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(run.stderr()).contains("--shared-copy-key '../x'");
        assertThat(Files.exists(dir.resolve("x.lock"))).isFalse();
    }

    static long count(String table) throws Exception {
        try (Connection c = TestDatabase.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + SCHEMA + "." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
