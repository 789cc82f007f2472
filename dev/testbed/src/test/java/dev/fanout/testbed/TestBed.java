package dev.fanout.testbed;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Access to the running test bed (dev/cluster.sh up, started by dev/test.sh). Each test class works in a namespace of its own
 * that enforces the restricted Pod Security Standard, so every pod the tests make also proves it passes admission.
 */
final class TestBed {
    static final String LOCAL_NODE = System.getenv().getOrDefault("FANOUT_NODE_NAME", "fanout-local");

    private TestBed() {
    }

    static KubernetesClient client() {
        if (System.getenv("KUBECONFIG") == null) {
            throw new IllegalStateException("KUBECONFIG is not set: these tests need the test bed; run ./dev/test.sh "
                    + "(or dev/cluster.sh up and eval \"$(dev/cluster.sh env)\")");
        }
        return new KubernetesClientBuilder().build();
    }

    static String createRestrictedNamespace(KubernetesClient client, String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("pod-security.kubernetes.io/enforce", "restricted")).endMetadata().build()).create();
        // Pods need the namespace's default service account, made by the controller manager.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> client.serviceAccounts().inNamespace(name).withName("default").get() != null);
        return name;
    }

    /** A container that passes the restricted Pod Security Standard. */
    static ContainerBuilder restrictedContainer(String name, String image) {
        return new ContainerBuilder().withName(name).withImage(image).withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities()
                .withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext();
    }

    static PodSpecBuilder restrictedPodSpec(List<Container> containers) {
        return new PodSpecBuilder().withRestartPolicy("Never").withContainers(containers).withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(10001L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext();
    }

    static Job job(String name, PodSpecBuilder spec) {
        return new JobBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withBackoffLimit(0)
                .withNewTemplate().withSpec(spec.build()).endTemplate().endSpec().build();
    }

    static boolean jobCondition(Job job, String type) {
        return job != null && job.getStatus() != null && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
