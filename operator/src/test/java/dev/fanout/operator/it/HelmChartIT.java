package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.SharedData;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart installs with the pinned helm, and its RBAC is enough and no more: the operator, run with only its
 * service account's token, takes a SpatialLoad and an EnergySimulationBatch to Succeeded, and that account cannot read Secrets.
 */
class HelmChartIT {
    @TempDir
    static Path dir;
    static KubernetesClient client;
    static String ns;
    static final String RELEASE = "fanout-it";

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "helm");
        // The chart's Deployment has no image to pull on the test bed: install it with no replicas, run the same
        // operator as a process with the chart's service account instead.
        run("helm", "install", RELEASE, chart().toString(), "-n", ns, "--set", "replicas=0", "--wait", "--timeout", "60s");
    }

    @AfterAll
    static void tearDown() throws Exception {
        run("helm", "uninstall", RELEASE, "-n", ns);
        client.namespaces().withName(ns).delete();
        client.close();
    }

    static Path chart() {
        return Path.of(System.getProperty("fanout.root", "..")).resolve("helm/fanout");
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    @Test
    void theChartsServiceAccountRunsALoadAndCannotReadSecrets() throws Exception {
        String sa = RELEASE + "-operator";
        String token = client.serviceAccounts().inNamespace(ns).withName(sa)
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

        try (KubernetesClient asOperator = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
            var review = asOperator.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                    .withNewSpec().withNewResourceAttributes().withNamespace(ns).withVerb("get").withResource("secrets").endResourceAttributes()
                    .endSpec().build());
            assertThat(review.getStatus().getAllowed()).as("the operator's account reads Secrets").isFalse();
        }

        SharedData.copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("admin0"));
        try (FileServer http = new FileServer(dir);
             OperatorProcess operator = new OperatorProcess("HelmChartIT").withKubeconfig(kubeconfig).start()) {
            SpatialLoad sl = TestBed.spatialLoad("rbac", "helm_rbac",
                    new ArrayList<>(List.of(TestBed.layer("admin0", http.url("admin0/ne_50m_admin_0_countries.shp"), "admin_level_0"))));
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
            await().atMost(Duration.ofMinutes(2)).until(() -> {
                SpatialLoad s = client.resources(SpatialLoad.class).inNamespace(ns).withName("rbac").get();
                return s.getStatus() != null && (s.getStatus().phase == Phase.Succeeded || s.getStatus().phase == Phase.Failed);
            });
            SpatialLoad done = client.resources(SpatialLoad.class).inNamespace(ns).withName("rbac").get();
            assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(Phase.Succeeded);
            assertThat(done.getStatus().layers.get(0).rows).isEqualTo(242);
            assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(e -> e.getReason()).contains("TaskSucceeded");

            // An EnergySimulationBatch too: its reconciler needs nothing more (the real engine, one design-day run).
            // The weather comes from a PersistentVolumeClaim (bound to a static volume: the test bed has no provisioner);
            // the test-bed runner keeps a claim's files under <cluster state>/node/pvc/<namespace>/<claim>.
            Path ep = SharedData.root().resolve("energyplus");
            client.persistentVolumes().resource(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder().withNewMetadata()
                    .withName(ns + "-inputs").endMetadata().withNewSpec().withCapacity(Map.of("storage", new Quantity("1Gi")))
                    .withAccessModes("ReadOnlyMany").withStorageClassName("").withNewHostPath().withPath(dir.resolve("pv").toString())
                    .endHostPath().endSpec().build()).create();
            client.persistentVolumeClaims().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("inputs").endMetadata().withNewSpec().withAccessModes("ReadOnlyMany")
                    .withStorageClassName("").withVolumeName(ns + "-inputs").withNewResources()
                    .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
            Path claim = Path.of(TestBed.env("KUBECONFIG")).getParent().resolve("node/pvc").resolve(ns).resolve("inputs");
            Files.createDirectories(claim.resolve("weather"));
            Files.copy(ep.resolve("USA_CO_Golden-NREL.724666_TMY3.epw"), claim.resolve("weather/golden.epw"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            client.configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
                    .withName("models").endMetadata().addToData("1zone.idf", Files.readString(ep.resolve("1ZoneUncontrolled.idf"))).build())
                    .create();
            String yaml = """
                    apiVersion: fanout.dev/v1alpha1
                    kind: EnergySimulationBatch
                    metadata: {name: rbac}
                    spec:
                      models: [{name: one-zone, configMapKeyRef: {name: models, key: 1zone.idf}}]
                      weather: [{name: golden, persistentVolumeClaim: {claimName: inputs, path: weather/golden.epw}}]
                      constructionSets: [{name: as-is}]
                      energyplus: {mode: designDay}
                      results: {database: {secretRef: {name: postgis}, schema: helm_rbac}}
                    """;
            var batches = client.resources(dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch.class).inNamespace(ns);
            batches.resource(io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml,
                    dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch.class)).create();
            await().atMost(Duration.ofMinutes(2)).until(() -> {
                var b = batches.withName("rbac").get();
                return b.getStatus() != null && (b.getStatus().phase == Phase.Succeeded || b.getStatus().phase == Phase.Failed);
            });
            var batch = batches.withName("rbac").get();
            assertThat(batch.getStatus().phase).as(batch.getStatus().message).isEqualTo(Phase.Succeeded);
            assertThat(batch.getStatus().aggregate.rows).isEqualTo(1);
        } finally {
            client.persistentVolumes().withName(ns + "-inputs").delete();
        }
    }
}
