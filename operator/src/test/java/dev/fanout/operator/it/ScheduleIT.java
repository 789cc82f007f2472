package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.RunStatus;
import dev.fanout.operator.crds.v1alpha1.common.ScheduleSpec;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.TestDatabase;
import dev.fanout.worker.testdata.NaturalEarthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A SpatialLoad on a one-minute schedule on the real node: the scheduled run finds every source unchanged (a conditional
 * request each, no Job, the tables untouched); after one source file changes, the next run reloads exactly that layer and
 * links again; a reload request replaces every table.
 */
class ScheduleIT {
    static final String SCHEMA = "schedule_world";
    static final List<String> TABLES = List.of("admin_level_0", "admin_level_1", "timezones");
    @RegisterExtension
    static final NaturalEarthServer http = new NaturalEarthServer();
    static KubernetesClient client;
    static OperatorProcess operator;
    static String ns;

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "schedule");
        TestBed.dropSchema(SCHEMA);
        operator = new OperatorProcess("ScheduleIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        TestBed.stop(operator, client, ns);
    }

    SpatialLoad get() {
        return client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
    }

    /** The resource once run {@code number} (or a later one) has ended. */
    SpatialLoad awaitRunEnded(int number, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(500)).until(() -> {
            SpatialLoad sl = get();
            return sl.getStatus() != null && sl.getStatus().run != null && sl.getStatus().run.number >= number
                    && sl.getStatus().run.completionTime != null;
        });
        return get();
    }

    static Map<String, String> oids() throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = TestDatabase.connect(); Statement st = c.createStatement()) {
            for (String t : TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT '" + SCHEMA + "." + t + "'::regclass::oid::text")) {
                    rs.next();
                    out.put(t, rs.getString(1));
                }
            }
        }
        return out;
    }



    @Test
    void scheduledRunsReloadOnlyWhatChangedAndAReloadRequestReplacesEverything() throws Exception {
        SpatialLoad sl = TestBed.spatialLoad("world", SCHEMA, TestBed.worldLayers(http.server()));
        sl.getSpec().schedule = new ScheduleSpec();
        sl.getSpec().schedule.cron = "* * * * *";
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();

            // Run 1: applied, every layer loaded, the links made.
            SpatialLoad first = awaitRunEnded(1, Duration.ofMinutes(3));
            assertThat(first.getStatus().phase).isEqualTo(Phase.Succeeded);
            assertThat(TestBed.layers(first).values()).allSatisfy(l -> {
                assertThat(l.phase).isEqualTo(TaskPhase.Succeeded);
                assertThat(l.source.sha256).hasSize(64);
                assertThat(l.source.files.get(0).etag).isNotNull();
            });
            Map<String, String> oids = oids();
            int jobsAfterFirst = jobs.created.size();
            assertThat(jobsAfterFirst).isEqualTo(4); // three loads, one link
            Map<String, Integer> downloads = downloads();

            // Run 2, on the schedule: every source unchanged, no Job, no table replaced, nothing downloaded.
            SpatialLoad second = awaitRunEnded(2, Duration.ofSeconds(150));
            assertThat(second.getStatus().run.trigger).isEqualTo(RunStatus.Trigger.Schedule);
            assertThat(second.getStatus().run.scheduledTime).isEqualTo(second.getStatus().lastScheduleTime);
            assertThat(Instant.parse(second.getStatus().nextScheduleTime)).isAfter(Instant.parse(second.getStatus().lastScheduleTime));
            assertThat(TestBed.layers(second).values()).allSatisfy(l -> {
                assertThat(l.phase).isEqualTo(TaskPhase.Unchanged);
                assertThat(l.message).startsWith("source unchanged (ETag ");
            });
            assertThat(second.getStatus().phase).isEqualTo(Phase.Succeeded);
            assertThat(second.getStatus().runs.get(0).summary).isEqualTo("3 layers: 0 loaded (0 rows), 3 unchanged, 0 failed; links kept");
            assertThat(jobs.created).hasSize(jobsAfterFirst);
            assertThat(oids()).isEqualTo(oids);
            assertThat(downloads()).isEqualTo(downloads);

            // One file of admin 0's source changes (a country renamed in its .dbf): the next run reloads admin 0 alone, then links.
            Path dbf = http.dir().resolve("admin0/ne_50m_admin_0_countries.dbf");
            String text = new String(Files.readAllBytes(dbf), StandardCharsets.ISO_8859_1);
            assertThat(text).contains("Zimbabwe");
            Files.write(dbf, text.replace("Zimbabwe", "Zimbabwx").getBytes(StandardCharsets.ISO_8859_1));
            String oldSha = TestBed.layers(second).get("admin0").source.sha256;
            await().atMost(Duration.ofSeconds(200)).pollInterval(Duration.ofMillis(500)).until(() -> {
                SpatialLoad s = get();
                return !oldSha.equals(TestBed.layers(s).get("admin0").source.sha256) && s.getStatus().run.completionTime != null;
            });
            SpatialLoad third = get();
            Map<String, LayerStatus> l3 = TestBed.layers(third);
            assertThat(l3.get("admin0").phase).isEqualTo(TaskPhase.Succeeded);
            assertThat(l3.get("admin0").rows).isEqualTo(242);
            assertThat(l3.get("admin1").phase).isEqualTo(TaskPhase.Unchanged);
            assertThat(l3.get("timezones").phase).isEqualTo(TaskPhase.Unchanged);
            assertThat(third.getStatus().phase).isEqualTo(Phase.Succeeded);
            assertThat(third.getStatus().runs.get(0).summary).isEqualTo("3 layers: 1 loaded (242 rows), 2 unchanged, 0 failed; links run");
            Map<String, String> after = oids();
            assertThat(after.get("admin_level_0")).isNotEqualTo(oids.get("admin_level_0"));
            assertThat(after.get("admin_level_1")).isEqualTo(oids.get("admin_level_1"));
            assertThat(after.get("timezones")).isEqualTo(oids.get("timezones"));
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".admin_level_0 WHERE name = 'Zimbabwx'")).isEqualTo(1);
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".admin_level_1 c JOIN " + SCHEMA + ".admin_level_0 p "
                    + "ON p.fid = c.admin_level_0_fid AND p.adm0_a3 = c.adm0_a3")).as("the links re-made against the new table")
                    .isEqualTo(294);
            List<String> newJobs = jobs.created.subList(jobsAfterFirst, jobs.created.size());
            assertThat(newJobs).as("one load (admin 0) and one link").hasSize(2).anyMatch(j -> j.contains("-admin0-"));

            // A reload request: every table replaced, whatever changed.
            client.resources(SpatialLoad.class).inNamespace(ns).withName("world").patch(
                    io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\"fanout.dev/reload\":\"1\"}}}");
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500)).until(() -> {
                SpatialLoad s = get();
                return s.getStatus().run.trigger == RunStatus.Trigger.Reload && s.getStatus().run.completionTime != null;
            });
            SpatialLoad reloaded = get();
            assertThat(reloaded.getStatus().reload).isEqualTo("1");
            assertThat(TestBed.layers(reloaded).values()).allSatisfy(l -> assertThat(l.phase).isEqualTo(TaskPhase.Succeeded));
            Map<String, String> afterReload = oids();
            TABLES.forEach(t -> assertThat(afterReload.get(t)).as(t).isNotEqualTo(after.get(t)));
            assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(e -> e.getReason())
                    .contains("RunStarted", "TaskUnchanged");
        }
    }

    private static Map<String, Integer> downloads() {
        Map<String, Integer> out = new HashMap<>();
        for (String f : List.of("admin0/ne_50m_admin_0_countries.shp", "admin0/ne_50m_admin_0_countries.dbf",
                "admin1/ne_50m_admin_1_states_provinces.shp", "tz/ne_10m_time_zones.shp")) {
            out.put(f, http.server().downloads(f));
        }
        return out;
    }
}
