package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.NaturalEarthServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Argo CD's view of Fanout's resources: the Lua health checks (argocd/resource_customizations, evaluated with gopher-lua
 * as Argo CD does) against the status snapshots recorded from real runs, and against a live load applied the way Argo CD
 * applies (server-side, its own field manager) and run on the node; the argocd-cm snippet equal to the scripts; and no
 * drift: the operator never writes spec or metadata, so the live object is what a dry-run apply of the manifest gives.
 */
class ArgoCdHealthIT {
    static final Path ROOT = Path.of(System.getProperty("fanout.root", ".."));
    static final Path CUSTOMIZATIONS = ROOT.resolve("argocd/resource_customizations");
    static final String MANAGER = "argocd-controller";
    @RegisterExtension
    static final NaturalEarthServer http = new NaturalEarthServer();
    static KubernetesClient client;
    static OperatorProcess operator;
    static String ns;

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "argocd");
        TestBed.dropSchema("argocd_world");
        operator = new OperatorProcess("ArgoCdHealthIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        TestBed.stop(operator, client, ns);
    }

    @Test
    void theHealthChecksGiveTheExpectedStatusForEveryRecordedSnapshot() throws Exception {
        String out = HelmChartIT.run("luahealth", CUSTOMIZATIONS.toString());
        assertThat(out).contains(" 0 failed");
        assertThat(out.lines().filter(l -> l.startsWith("ok ")).count()).as(out).isGreaterThanOrEqualTo(10);
        for (String status : new String[] {"Healthy", "Progressing", "Degraded", "Suspended"}) {
            assertThat(out).as("a case of " + status).contains(": " + status + " ");
        }
    }

    @Test
    void theArgocdCmSnippetCarriesTheseScripts() throws Exception {
        ConfigMap cm = Serialization.unmarshal(Files.readString(ROOT.resolve("examples/argocd/argocd-cm.yaml")), ConfigMap.class);
        for (String kind : new String[] {"SpatialLoad", "EnergySimulationBatch"}) {
            assertThat(cm.getData().get("resource.customizations.health.fanout.dev_" + kind))
                    .isEqualTo(Files.readString(CUSTOMIZATIONS.resolve("fanout.dev/" + kind + "/health.lua")));
        }
    }

    @Test
    void aLoadAppliedLikeArgoCdRunsWithoutDriftAndIsHealthy() throws Exception {
        String manifest = """
                apiVersion: fanout.dev/v1alpha1
                kind: SpatialLoad
                metadata:
                  name: world
                  namespace: %s
                  labels: {app.kubernetes.io/instance: spatial-data}
                spec:
                  database: {secretRef: {name: postgis}, schema: argocd_world}
                  layers:
                    - name: admin0
                      source: {url: "%s"}
                      table: admin_level_0
                """.formatted(ns, http.url("admin0/ne_50m_admin_0_countries.shp"));
        SpatialLoad desired = Serialization.unmarshal(manifest, SpatialLoad.class);
        client.resource(desired).fieldManager(MANAGER).forceConflicts().serverSideApply();
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> {
            SpatialLoad sl = client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
            return sl.getStatus() != null && sl.getStatus().phase == Phase.Succeeded;
        });
        SpatialLoad live = client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
        // The operator wrote the status only: generation 1, and no field manager but Argo CD's owns anything outside status.
        assertThat(live.getMetadata().getGeneration()).isEqualTo(1L);
        for (ManagedFieldsEntry m : live.getMetadata().getManagedFields()) {
            if (!"status".equals(m.getSubresource())) {
                assertThat(m.getManager()).as("manager of " + Serialization.asJson(m.getFieldsV1())).isEqualTo(MANAGER);
            }
        }
        // What Argo CD's diff compares: the manifest applied again (dry run) gives the live spec and metadata.
        SpatialLoad again = client.resource(Serialization.unmarshal(manifest, SpatialLoad.class)).dryRun().fieldManager(MANAGER)
                .forceConflicts().serverSideApply();
        assertThat(Serialization.asJson(again.getSpec())).isEqualTo(Serialization.asJson(live.getSpec()));
        assertThat(again.getMetadata().getLabels()).isEqualTo(live.getMetadata().getLabels());
        assertThat(again.getMetadata().getAnnotations()).isEqualTo(live.getMetadata().getAnnotations());
        assertThat(again.getMetadata().getGeneration()).isEqualTo(1L);

        // The live object's health, by the same script: Healthy, with the status message.
        Path dir = Files.createTempDirectory("argocd-live-");
        Path kindDir = dir.resolve("fanout.dev/SpatialLoad");
        Files.createDirectories(kindDir.resolve("testdata"));
        Files.copy(CUSTOMIZATIONS.resolve("fanout.dev/SpatialLoad/health.lua"), kindDir.resolve("health.lua"));
        live.getMetadata().setManagedFields(null);
        Files.writeString(kindDir.resolve("testdata/live.yaml"), Serialization.asYaml(live));
        Files.writeString(kindDir.resolve("health_test.yaml"), Serialization.asYaml(Map.of("tests", java.util.List.of(Map.of(
                "inputPath", "testdata/live.yaml", "healthStatus", Map.of("status", "Healthy", "message", "done"))))));
        assertThat(HelmChartIT.run("luahealth", dir.toString())).contains("1 passed, 0 failed");
    }
}
