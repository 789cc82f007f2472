package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reconcile that throws says why in the status and an Event (the SDK's error-status hook) instead of retrying in
 * silence: here the operator runs with an account that may do everything it needs except create Jobs, as a cluster
 * whose RBAC was trimmed by hand would have it.
 */
class ReconcileErrorIT {
    @TempDir
    static Path dir;
    static KubernetesClient client;
    static String ns;
    static final String ROLE = "fanout-it-no-job-create";

    @BeforeAll
    static void setUp() {
        client = TestBed.client();
        ns = TestBed.namespace(client, "rbac");
    }

    @AfterAll
    static void tearDown() {
        client.rbac().clusterRoleBindings().withName(ROLE + "-" + ns).delete();
        client.rbac().clusterRoles().withName(ROLE).delete();
        client.namespaces().withName(ns).delete();
        client.close();
    }

    @Test
    void aReconcileThatThrowsWritesTheErrorToTheStatusAndAnEvent() throws Exception {
        client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata().withName("operator")
                .endMetadata().build()).create();
        client.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(ROLE).endMetadata().withRules(
                rule("fanout.dev", List.of("spatialloads", "energysimulationbatches"), "get", "list", "watch"),
                rule("fanout.dev", List.of("spatialloads/status", "energysimulationbatches/status"), "get", "update", "patch"),
                rule("batch", List.of("jobs"), "get", "list", "watch", "delete"), // no create
                rule("", List.of("pods", "nodes", "resourcequotas"), "get", "list", "watch"),
                rule("", List.of("events"), "create", "patch")).build()).createOr(r -> r.update());
        client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(ROLE + "-" + ns)
                .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(ROLE)
                .endRoleRef().addNewSubject().withKind("ServiceAccount").withName("operator").withNamespace(ns).endSubject().build())
                .create();
        String token = client.serviceAccounts().inNamespace(ns).withName("operator")
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build()).getStatus().getToken();
        Config admin = client.getConfiguration();
        Path kubeconfig = dir.resolve("operator.kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "%s", certificate-authority: "%s"}}]
                users: [{name: u, user: {token: "%s"}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(admin.getMasterUrl(), admin.getCaCertFile(), token));

        try (OperatorProcess operator = new OperatorProcess("ReconcileErrorIT").withKubeconfig(kubeconfig).start()) {
            SpatialLoad sl = TestBed.spatialLoad("forbidden", "rbac_forbidden",
                    List.of(TestBed.layer("admin0", "http://" + TestBed.env("FANOUT_NODE_IP") + ":9/a.shp", "admin_level_0")));
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                SpatialLoad s = client.resources(SpatialLoad.class).inNamespace(ns).withName("forbidden").get();
                return s.getStatus() != null && s.getStatus().message != null && s.getStatus().message.startsWith("reconcile failed");
            });
            assertThat(client.resources(SpatialLoad.class).inNamespace(ns).withName("forbidden").get().getStatus().message)
                    .contains("KubernetesClientException").contains("jobs.batch is forbidden");
            await().atMost(Duration.ofSeconds(30)).until(() -> client.v1().events().inNamespace(ns).list().getItems().stream()
                    .anyMatch(e -> "ReconcileError".equals(e.getReason()) && "Warning".equals(e.getType())));
        }
    }

    static io.fabric8.kubernetes.api.model.rbac.PolicyRule rule(String group, List<String> resources, String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(group).withResources(resources).withVerbs(verbs).build();
    }
}
