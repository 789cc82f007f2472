package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.ParentLinkSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.SharedData;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure classes: transient failures are retried with new Jobs; bad input fails at once, without the aggregate. */
class RetryAndFailureIT {
    @TempDir
    static Path dir;
    static KubernetesClient client;
    static OperatorProcess operator;
    static FileServer http;
    static String ns;

    @BeforeAll
    static void setUp() throws Exception {
        SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("admin0"));
        http = new FileServer(dir);
        client = TestBed.client();
        ns = TestBed.namespace(client, "retry");
        operator = new OperatorProcess("RetryAndFailureIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        operator.close();
        client.namespaces().withName(ns).delete();
        client.close();
        http.close();
    }

    SpatialLoad awaitDone(String name) {
        return TestBed.awaitEnded(client, ns, SpatialLoad.class, name, Duration.ofMinutes(3), Duration.ofMillis(500));
    }

    @Test
    void aSourceThat404sTwiceThenWorksSucceedsOnTheThirdAttempt() {
        http.failFirst("admin0/ne_50m_admin_0_countries.shp", 2);
        SpatialLoad sl = TestBed.spatialLoad("flaky", "retry_flaky",
                List.of(TestBed.layer("admin0", http.url("admin0/ne_50m_admin_0_countries.shp"), "admin_level_0")));
        sl.getSpec().retry.maxAttempts = 3;
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
            SpatialLoad done = awaitDone("flaky");
            assertThat(done.getStatus().phase).isEqualTo(Phase.Succeeded);
            var layer = done.getStatus().layers.get(0);
            assertThat(layer.attempts).isEqualTo(3);
            assertThat(layer.rows).isEqualTo(242);
            assertThat(jobs.created).filteredOn(n -> n.startsWith("flaky-admin0-")).hasSize(3)
                    .allSatisfy(n -> assertThat(n).matches("flaky-admin0-[0-9a-f]{6}-[123]"));
        }
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).filteredOn(e -> "TaskRetry".equals(e.getReason()))
                .isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).contains("exit code 3").contains("404"));
    }

    @Test
    void aCorruptFileFailsFastWithoutRetriesAndWithoutTheAggregate() throws Exception {
        Files.writeString(dir.resolve("corrupt.geojson"), "{\"type\": \"FeatureCollection\", \"features\": [ {\"type\": ");
        LayerSpec good = TestBed.layer("admin0", http.url("admin0/ne_50m_admin_0_countries.shp"), "admin_level_0");
        LayerSpec bad = TestBed.layer("broken", http.url("corrupt.geojson"), "broken");
        bad.parent = new ParentLinkSpec();
        bad.parent.layer = "admin0";
        bad.parent.column = "x";
        bad.parent.parentColumn = "adm0_a3";
        SpatialLoad sl = TestBed.spatialLoad("corrupt", "retry_corrupt", List.of(good, bad));
        sl.getSpec().retry.maxAttempts = 5;
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        SpatialLoad done = awaitDone("corrupt");
        assertThat(done.getStatus().phase).isEqualTo(Phase.Failed);
        var broken = done.getStatus().layers.stream().filter(l -> l.name.equals("broken")).findFirst().orElseThrow();
        assertThat(broken.phase).isEqualTo(TaskPhase.Failed);
        assertThat(broken.attempts).isEqualTo(1);
        assertThat(broken.message).contains("bad input, not retried").contains("exit code 2").contains("not valid JSON");
        assertThat(done.getStatus().message).contains("broken");
        assertThat(done.getStatus().aggregate == null || done.getStatus().aggregate.job == null).isTrue();
        assertThat(client.batch().v1().jobs().inNamespace(ns).withLabel("fanout.dev/kind", "spatialload-link").list().getItems()).isEmpty();
        assertThat(done.getStatus().conditions).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Succeeded");
            assertThat(c.getStatus()).isEqualTo("False");
        });
    }
}
