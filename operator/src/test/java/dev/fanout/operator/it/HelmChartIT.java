package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.SharedData;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart as users install it: `helm lint` passes, `helm install` runs the operator image built here as two
 * replicas (restricted security context, probes, leader election on a Lease) with a least-privilege service account, and
 * that operator, in the cluster, takes a SpatialLoad and an EnergySimulationBatch to Succeeded on the real node, also
 * when its leader pod is killed (grace period 0) at random points: the standby takes over, no Job is created twice and
 * no finished task runs again.
 */
class HelmChartIT {
    @TempDir
    static Path dir;
    static KubernetesClient client;
    static String ns;
    static final String RELEASE = "fanout-it";
    static final String LEASE = RELEASE + "-operator-leader";

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "helm");
        // A schema left by an earlier run holds admin 1's foreign key into admin 0: its two parallel reloads could then
        // deadlock on dropping that key and retry once, which is not what this test is about.
        TestBed.dropSchema("helm_world");
        assertThat(run("helm", "lint", chart().toString())).contains("0 chart(s) failed");
        run("helm", "install", RELEASE, chart().toString(), "-n", ns, "--wait", "--timeout", "180s");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (client != null) {
            run("helm", "uninstall", RELEASE, "-n", ns, "--wait");
            client.persistentVolumes().withName(ns + "-inputs").delete();
            client.namespaces().withName(ns).delete();
            client.close();
        }
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

    static List<Pod> operatorPods() {
        return client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", RELEASE).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    static String leader() {
        var lease = client.leases().inNamespace(ns).withName(LEASE).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    @Test
    void twoReplicasFromTheImageBuiltHereOneLeaderAndAnAccountThatCannotReadSecrets() {
        List<Pod> pods = operatorPods();
        assertThat(pods).hasSize(2).allSatisfy(p -> {
            assertThat(p.getSpec().getNodeName()).isEqualTo("fanout-local");
            assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("fanout/operator:0.1.0");
            assertThat(p.getStatus().getContainerStatuses().get(0).getImageID()).startsWith("sha256:");
            assertThat(p.getStatus().getContainerStatuses().get(0).getReady()).as(p.getMetadata().getName() + " ready").isTrue();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> leader() != null);
        assertThat(pods).extracting(p -> p.getMetadata().getName()).contains(leader());

        var review = client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder().withNewSpec()
                .withUser("system:serviceaccount:" + ns + ":" + RELEASE + "-operator")
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + ns)
                .withNewResourceAttributes().withNamespace(ns).withVerb("get").withResource("secrets").endResourceAttributes()
                .endSpec().build());
        assertThat(review.getStatus().getAllowed()).as("the operator's account reads Secrets").isFalse();
    }

    @Test
    void theLeaderPodKilledAtRandomPointsTheStandbyFinishesTheLoadWithoutDuplicateJobs() throws Exception {
        SharedData.copyNaturalEarthLayers(dir);
        try (FileServer http = new FileServer(dir); TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            SpatialLoad sl = TestBed.spatialLoad("world", "helm_world", TestBed.worldLayers(http));
            sl.getSpec().parallelism = new dev.fanout.operator.crds.v1alpha1.common.ParallelismSpec();
            sl.getSpec().parallelism.max = 1; // one layer at a time: the run has several points to be killed around
            await().atMost(Duration.ofSeconds(60)).until(() -> leader() != null);
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();

            Random rnd = new Random();
            Set<String> leaders = new HashSet<>();
            int kills = 0;
            SpatialLoad now = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
            while (System.nanoTime() < deadline) {
                now = client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
                if (now.getStatus() != null && (now.getStatus().phase == Phase.Succeeded || now.getStatus().phase == Phase.Failed)) {
                    break;
                }
                String leader = leader();
                if (kills < 2 && leader != null && operatorPods().stream().anyMatch(p -> p.getMetadata().getName().equals(leader))) {
                    Thread.sleep(500 + rnd.nextInt(3000)); // before the first Job, while a layer runs, between layers...
                    leaders.add(leader);
                    client.pods().inNamespace(ns).withName(leader).withGracePeriod(0).delete();
                    kills++;
                    // The standby takes the Lease once the dead leader's has expired (its duration, 15 s).
                    await().atMost(Duration.ofSeconds(90)).until(() -> leader() != null && !leader().equals(leader)
                            && operatorPods().stream().anyMatch(p -> p.getMetadata().getName().equals(leader())));
                }
                Thread.sleep(500);
            }
            assertThat(kills).as("leader kills before the load finished").isEqualTo(2);
            assertThat(leaders).hasSize(2);
            assertThat(now.getStatus().phase).as(now.getStatus().message).isEqualTo(Phase.Succeeded);
            assertThat(now.getStatus().layers).allSatisfy(l -> assertThat(l.attempts).as(l.name).isEqualTo(1));
            assertThat(now.getStatus().layers).extracting(l -> l.rows).containsExactlyInAnyOrder(242L, 294L, 120L);
            assertThat(now.getStatus().aggregate.links.get(0).linked).isEqualTo(294);
            // One Job per layer and one aggregate, each created exactly once across the leader changes.
            assertThat(jobs.created).hasSize(4).doesNotHaveDuplicates();
            assertThat(jobs.maxActive).as("pods at once: %s", jobs.timeline).isEqualTo(1);
            // The Deployment replaced the killed pods: two replicas again.
            await().atMost(Duration.ofSeconds(120)).until(() -> operatorPods().stream().filter(p -> p.getStatus().getContainerStatuses() != null
                    && p.getStatus().getContainerStatuses().stream().allMatch(c -> Boolean.TRUE.equals(c.getReady()))).count() == 2);
        }
        // The chart's Service reaches the operator's page and metrics (ClusterIP, through kube-proxy); the state series
        // come from the leader, so ask until the Service picks it.
        String svc = "http://" + client.services().inNamespace(ns).withName(RELEASE + "-operator").get().getSpec().getClusterIP() + ":8080";
        assertThat(ProgressPageIT.get(svc + "/api/resources")).contains("\"name\":\"world\"").contains("\"phase\":\"Succeeded\"");
        await().atMost(Duration.ofSeconds(30)).until(() -> ProgressPageIT.get(svc + "/q/metrics")
                .contains("fanout_tasks{kind=\"spatialload\",namespace=\"" + ns + "\",state=\"succeeded\"} 3.0"));
    }

    @Test
    void anEnergyBatchWithWeatherFromAReadOnlyClaimRunsTheEngineImage() throws Exception {
        // The weather comes from a PersistentVolumeClaim bound to a static hostPath volume (the test bed has no provisioner).
        Path ep = SharedData.root().resolve("energyplus");
        Path volume = dir.resolve("pv");
        Files.createDirectories(volume.resolve("weather"));
        Files.copy(ep.resolve("USA_CO_Golden-NREL.724666_TMY3.epw"), volume.resolve("weather/golden.epw"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (Path p : List.of(dir, volume, volume.resolve("weather"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x")); // the pods' user reads it
        }
        TestBed.hostPathClaim(client, ns, "inputs", volume, "ReadOnlyMany");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("models").endMetadata()
                .addToData("1zone.idf", Files.readString(ep.resolve("1ZoneUncontrolled.idf"))).build()).create();
        String yaml = """
                apiVersion: fanout.dev/v1alpha1
                kind: EnergySimulationBatch
                metadata: {name: rbac}
                spec:
                  models: [{name: one-zone, configMapKeyRef: {name: models, key: 1zone.idf}}]
                  weather: [{name: golden, persistentVolumeClaim: {claimName: inputs, path: weather/golden.epw}}]
                  constructionSets: [{name: as-is}]
                  energyplus: {mode: designDay, image: %s}
                  results: {database: {secretRef: {name: postgis}, schema: helm_rbac}}
                """.formatted(TestBed.ENERGYPLUS_IMAGE);
        var batches = client.resources(EnergySimulationBatch.class).inNamespace(ns);
        batches.resource(Serialization.unmarshal(yaml, EnergySimulationBatch.class)).create();
        var batch = TestBed.awaitEnded(client, ns, EnergySimulationBatch.class, "rbac", Duration.ofMinutes(3), Duration.ofMillis(100));
        assertThat(batch.getStatus().phase).as(batch.getStatus().message).isEqualTo(Phase.Succeeded);
        assertThat(batch.getStatus().aggregate.rows).isEqualTo(1);
        assertThat(new ArrayList<>(client.v1().events().inNamespace(ns).list().getItems())).extracting(e -> e.getReason())
                .contains("Succeeded");
    }
}
