package dev.fanout.testbed;

import static dev.fanout.testbed.TestBed.jobCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kwok's simulated nodes: the ground of later scale tests and benchmarks. */
class KwokNodeTest {
    static KubernetesClient client;
    static String ns;
    static final String NODE = "kwok-smoke-node";

    @BeforeAll
    static void setUp() {
        client = TestBed.client();
        ns = TestBed.createRestrictedNamespace(client, "kwok");
    }

    @AfterAll
    static void tearDown() {
        if (client != null) {
            client.namespaces().withName(ns).delete();
            client.nodes().withName(NODE).delete();
            client.close();
        }
    }

    @Test
    void aKwokNodeGetsReadyAndAJobOnItCompletesAfterItsSimulatedRunTime() {
        Map<String, Quantity> res = Map.of("cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods", new Quantity("110"));
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE)
                .withAnnotations(Map.of("kwok.x-k8s.io/node", "fake")).withLabels(Map.of("fanout.dev/pool", "kwok-smoke")).endMetadata()
                .withNewSpec().addNewTaint().withKey("kwok.x-k8s.io/node").withValue("fake").withEffect("NoSchedule").endTaint().endSpec()
                .withNewStatus().withAllocatable(res).withCapacity(res).endStatus().build()).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.nodes().withName(NODE).get().getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));

        Job job = new JobBuilder().withNewMetadata().withName("on-kwok").endMetadata().withNewSpec().withNewTemplate()
                .withNewMetadata().withAnnotations(Map.of("pod-complete.stage.kwok.x-k8s.io/delay", "3s")).endMetadata()
                .withSpec(TestBed.restrictedPodSpec(java.util.List.of(TestBed.restrictedContainer("c", "fanout/worker:dev").build()))
                        .withNodeSelector(Map.of("fanout.dev/pool", "kwok-smoke"))
                        .addNewToleration().withKey("kwok.x-k8s.io/node").withOperator("Exists").withEffect("NoSchedule").endToleration()
                        .build())
                .endTemplate().endSpec().build();
        long start = System.nanoTime();
        client.batch().v1().jobs().inNamespace(ns).resource(job).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> jobCondition(client.batch().v1().jobs().inNamespace(ns).withName("on-kwok").get(), "Complete"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        var pods = client.pods().inNamespace(ns).withLabel("job-name", "on-kwok").list().getItems();
        assertThat(pods).singleElement().satisfies(p -> assertThat(p.getSpec().getNodeName()).isEqualTo(NODE));
    }
}
