package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.ParentLinkSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SourceCacheSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.NaturalEarthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo scenario end to end on the real test bed: three Natural Earth layers served over http, one Job each on the
 * local node, loaded into PostGIS, linked by the aggregate Job; then a GitOps-style spec change and the deletion.
 */
class SpatialLoadEndToEndIT {
    static final String SCHEMA = "e2e_world";
    @RegisterExtension
    static final NaturalEarthServer http = new NaturalEarthServer();
    static KubernetesClient client;
    static OperatorProcess operator;
    static String ns;

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "e2e");
        TestBed.dropSchema(SCHEMA);
        operator = new OperatorProcess("SpatialLoadEndToEndIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        TestBed.stop(operator, client, ns);
    }

    static SpatialLoad world() {
        LayerSpec admin0 = TestBed.layer("admin0", http.url("admin0/ne_50m_admin_0_countries.zip"), "admin_level_0");
        admin0.keys = List.of("adm0_a3");
        LayerSpec admin1 = TestBed.layer("admin1", http.url("admin1/ne_50m_admin_1_states_provinces.shp"), "admin_level_1");
        admin1.parent = new ParentLinkSpec();
        admin1.parent.layer = "admin0";
        admin1.parent.column = "adm0_a3";
        admin1.parent.parentColumn = "ADM0_A3";
        LayerSpec tz = TestBed.layer("timezones", http.url("tz/ne_10m_time_zones.shp"), "timezones");
        SpatialLoad sl = TestBed.spatialLoad("world", SCHEMA, List.of(admin0, admin1, tz));
        sl.getSpec().parallelism.max = 2; // below the layer count, so the cap is what bounds the running pods
        return sl;
    }

    SpatialLoad get() {
        return client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
    }

    SpatialLoad awaitPhase(Phase phase, long generation) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
            SpatialLoad sl = get();
            return sl.getStatus() != null && sl.getStatus().phase == phase && sl.getStatus().observedGeneration != null
                    && sl.getStatus().observedGeneration >= generation;
        });
        return get();
    }



    @Test
    void loadsLinksReportsReloadsWhatChangedAndCleansUp() throws Exception {
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(SpatialLoad.class).inNamespace(ns).resource(world()).create();
            SpatialLoad done = awaitPhase(Phase.Succeeded, 1);

            // Status a user reads at a glance.
            Map<String, LayerStatus> l = TestBed.layers(done);
            assertThat(l.get("admin0").rows).isEqualTo(242);
            assertThat(l.get("admin1").rows).isEqualTo(294);
            assertThat(l.get("timezones").rows).isEqualTo(120);
            assertThat(l.values()).allSatisfy(s -> {
                assertThat(s.phase).isEqualTo(TaskPhase.Succeeded);
                assertThat(s.attempts).isEqualTo(1);
                assertThat(s.seconds).isPositive();
            });
            assertThat(done.getStatus().progress).isEqualTo("3/3");
            assertThat(done.getStatus().completionTime).isNotNull();
            assertThat(done.getStatus().conditions).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Succeeded");
                assertThat(c.getStatus()).isEqualTo("True");
            });
            assertThat(done.getStatus().aggregate.links).singleElement().satisfies(link -> {
                assertThat(link.child).isEqualTo(SCHEMA + ".admin_level_1");
                assertThat(link.linked).isEqualTo(294);
                assertThat(link.orphans).isZero();
            });

            // The database: tables, rows, the foreign key filled like a plain join.
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".admin_level_0")).isEqualTo(242);
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".admin_level_1")).isEqualTo(294);
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".timezones")).isEqualTo(120);
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".admin_level_1 c JOIN " + SCHEMA + ".admin_level_0 p "
                    + "ON p.fid = c.admin_level_0_fid AND p.adm0_a3 = c.adm0_a3")).isEqualTo(294);

            // One Job per layer and one aggregate, created once each; finished task Jobs are deleted once recorded, the
            // aggregate's stays: its pod ran in a container on the node and `kubectl logs` shows the worker's output.
            assertThat(jobs.created).hasSize(4);
            assertThat(jobs.maxActive).as("task pods running at once: the cap, reached").isEqualTo(2);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                    .map(j -> j.getMetadata().getName()).toList().equals(List.of(done.getStatus().aggregate.job)));
            String log = client.batch().v1().jobs().inNamespace(ns).withName(done.getStatus().aggregate.job).getLog();
            assertThat(log).contains("\"linked\":294");
            assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(e -> e.getReason())
                    .contains("TaskStarted", "TaskSucceeded", "Succeeded");

            // GitOps: the admin 0 source URL changes in Git. Only admin 0 reloads; the aggregate links again.
            SpatialLoad changed = get();
            changed.getSpec().layers.get(0).source.url = http.url("admin0/ne_50m_admin_0_countries.shp");
            client.resources(SpatialLoad.class).inNamespace(ns).resource(changed).update();
            SpatialLoad reloaded = awaitPhase(Phase.Succeeded, 2);
            Map<String, LayerStatus> r = TestBed.layers(reloaded);
            assertThat(r.get("admin0").job).isNotEqualTo(l.get("admin0").job);
            assertThat(r.get("admin0").rows).isEqualTo(242);
            assertThat(r.get("admin1").job).isEqualTo(l.get("admin1").job);
            assertThat(r.get("timezones").job).isEqualTo(l.get("timezones").job);
            assertThat(reloaded.getStatus().aggregate.job).isNotEqualTo(done.getStatus().aggregate.job);
            assertThat(reloaded.getStatus().aggregate.links.get(0).linked).isEqualTo(294);
            assertThat(jobs.created).hasSize(6);
            assertThat(TestBed.count("SELECT count(*) FROM pg_constraint WHERE conname = 'admin_level_1_admin_level_0_fid_fkey' AND conrelid = '"
                    + SCHEMA + ".admin_level_1'::regclass AND confrelid = '" + SCHEMA + ".admin_level_0'::regclass")).isEqualTo(1);
        }

        // Deleting the resource removes its Jobs (owner references, the real garbage collector: the aggregate's Job is
        // still there until then); tables stay.
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).hasSize(1);
        client.resources(SpatialLoad.class).inNamespace(ns).withName("world").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> get() == null && client.batch().v1().jobs().inNamespace(ns).list().getItems().isEmpty());
        assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".admin_level_0")).isEqualTo(242);
    }

    /**
     * Download once: two layers of one source (a Shapefile with its .dbf, .shx, .prj, .cpg) and a cache claim. Their pods
     * mount the claim; one downloads the source, the other reads that copy; a layer of another source downloads its own.
     */
    @Test
    void layersSharingASourceDownloadItOnce(@TempDir Path cache) throws Exception {
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx")); // the pods' user writes the copy
        TestBed.hostPathClaim(client, ns, "sources", cache, "ReadWriteOnce");
        String shp = "admin0/ne_50m_admin_0_countries.shp";
        int before = http.server().downloads(shp);
        LayerSpec countries = TestBed.layer("countries", http.url(shp), "countries");
        LayerSpec names = TestBed.layer("names", http.url(shp), "country_names");
        names.select = List.of("NAME", "ADM0_A3");
        LayerSpec tz = TestBed.layer("timezones", http.url("tz/ne_10m_time_zones.shp"), "shared_tz");
        SpatialLoad sl = TestBed.spatialLoad("shared", SCHEMA, List.of(countries, names, tz));
        sl.getSpec().sourceCache = new SourceCacheSpec();
        sl.getSpec().sourceCache.claimName = "sources";
        var loads = client.resources(SpatialLoad.class).inNamespace(ns);
        loads.resource(sl).create();
        SpatialLoad done = TestBed.awaitEnded(client, ns, SpatialLoad.class, "shared", Duration.ofMinutes(3), Duration.ofMillis(500));
        assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(Phase.Succeeded);
        Map<String, LayerStatus> l = TestBed.layers(done);
        assertThat(http.server().downloads(shp)).as("the shared .shp is downloaded once").isEqualTo(before + 1);
        long size = 0;
        for (String ext : List.of("shp", "dbf", "shx", "prj", "cpg")) {
            size += Files.size(http.dir().resolve("admin0/ne_50m_admin_0_countries." + ext));
        }
        assertThat(List.of(l.get("countries").downloadedBytes, l.get("names").downloadedBytes)).containsExactlyInAnyOrder(size, 0L);
        assertThat(l.get("timezones").downloadedBytes).as("a source of its own").isPositive();
        assertThat(l.get("countries").source.sha256).isEqualTo(l.get("names").source.sha256);
        assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".country_names")).isEqualTo(242);
        assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".countries")).isEqualTo(242);
        try (var copies = Files.list(cache)) {
            assertThat(copies.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")))
                    .as("one copy, named by the load's uid and the source").containsExactly(done.getMetadata().getUid() + "-"
                            + dev.fanout.operator.tasks.TaskJobs.hash(http.url(shp)));
        }
        loads.withName("shared").delete();
        client.persistentVolumes().withName(ns + "-sources").delete();
    }
}
