package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.NaturalEarthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator SIGKILLed at several points of a run and restarted: no duplicate Job, no finished layer run again. */
class RestartIT {
    @RegisterExtension
    static final NaturalEarthServer http = new NaturalEarthServer();
    static KubernetesClient client;
    static String ns;

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "restart");
        // A schema left by an earlier run holds admin 1's foreign key into admin 0: its two parallel reloads could then
        // deadlock on dropping that key and retry once, which is not what this test is about.
        TestBed.dropSchema("restart_world");
    }

    @AfterAll
    static void tearDown() {
        client.namespaces().withName(ns).delete();
        client.close();
    }

    @Test
    void killedAtSeveralPointsTheOperatorEndsWithTheSameStatusAndNoDuplicateJobs() throws Exception {
        SpatialLoad sl = TestBed.spatialLoad("world", "restart_world", TestBed.worldLayers(http.server()));
        sl.getSpec().parallelism.max = 2; // so the run has several admission points to be killed around

        Random rnd = new Random(7);
        int kills = 0;
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
            SpatialLoad now = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (System.nanoTime() < deadline) {
                OperatorProcess operator = new OperatorProcess("RestartIT").start();
                Thread.sleep(300 + rnd.nextInt(2500)); // before the first Job, while layers run, while aggregating...
                now = client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
                boolean finished = now.getStatus() != null && (now.getStatus().phase == Phase.Succeeded || now.getStatus().phase == Phase.Failed);
                if (finished && kills >= 3) {
                    operator.close();
                    break;
                }
                operator.kill();
                kills++;
            }
            assertThat(kills).isGreaterThanOrEqualTo(3);
            assertThat(now.getStatus().phase).isEqualTo(Phase.Succeeded);
            assertThat(now.getStatus().layers).allSatisfy(l -> assertThat(l.attempts).as(l.name).isEqualTo(1));
            assertThat(now.getStatus().layers).extracting(l -> l.rows).containsExactly(242L, 294L, 120L);
            assertThat(now.getStatus().aggregate.links.get(0).linked).isEqualTo(294);
            // One Job per layer and one aggregate, each created exactly once across all restarts.
            assertThat(jobs.created).hasSize(4).doesNotHaveDuplicates();
            assertThat(jobs.maxActive).isLessThanOrEqualTo(2);
        }
    }
}
