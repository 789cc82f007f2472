package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.common.WorkerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.SharedData;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real kubelet exposes, handled by the operator: task pods run as uid 10001 with a read-only root; a task over its
 * memory limit is OOMKilled and the status names the fix; a missing database Secret and an unschedulable task reach the
 * status and an Event within 60 s (and proceed once fixed); an image that cannot be pulled fails the task with the reason.
 */
class RealNodeFailuresIT {
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
        ns = TestBed.namespace(client, "kubelet");
        operator = new OperatorProcess("RealNodeFailuresIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        operator.close();
        client.namespaces().withName(ns).delete();
        client.close();
        http.close();
    }

    static SpatialLoad load(String name) {
        return TestBed.spatialLoad(name, "kubelet_" + name.replace('-', '_'),
                List.of(TestBed.layer("admin0", http.url("admin0/ne_50m_admin_0_countries.shp"), "admin_level_0")));
    }

    SpatialLoad get(String name) {
        return client.resources(SpatialLoad.class).inNamespace(ns).withName(name).get();
    }

    LayerStatus layer(String name) {
        SpatialLoad sl = get(name);
        return sl.getStatus() == null || sl.getStatus().layers == null || sl.getStatus().layers.isEmpty() ? null : sl.getStatus().layers.get(0);
    }

    SpatialLoad awaitDone(String name) {
        return TestBed.awaitEnded(client, ns, SpatialLoad.class, name, Duration.ofMinutes(3), Duration.ofMillis(500));
    }

    List<Event> warnings(String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())).toList();
    }

    static String kubectl(String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(List.of("kubectl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void aTaskPodRunsAsItsUserWithARootFilesystemThatRefusesWrites() throws Exception {
        http.hold("admin0/ne_50m_admin_0_countries.shp"); // the worker waits on its download, so the pod stays up
        client.resources(SpatialLoad.class).inNamespace(ns).resource(load("readonly")).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(ns).withLabel("fanout.dev/owner", "readonly").list()
                .getItems().stream().anyMatch(p -> "Running".equals(p.getStatus().getPhase())));
        Pod pod = client.pods().inNamespace(ns).withLabel("fanout.dev/owner", "readonly").list().getItems().get(0);
        String out = kubectl("exec", "-n", ns, pod.getMetadata().getName(), "-c", "worker", "--", "sh", "-c",
                "id -u; touch /app/x 2>&1; touch /x 2>&1; touch /tmp/x && echo tmp-writable");
        assertThat(out.lines().toList()).startsWith("10001").contains("tmp-writable");
        assertThat(out).contains("touch: cannot touch '/app/x': Read-only file system")
                .contains("touch: cannot touch '/x': Read-only file system");
        http.release();
        assertThat(awaitDone("readonly").getStatus().phase).isEqualTo(Phase.Succeeded);
    }

    @Test
    void aWorkerOverItsMemoryLimitIsOomKilledAndTheStatusNamesTheFix() {
        SpatialLoad sl = load("oom");
        sl.getSpec().resources = new ResourceRequirementsBuilder().withRequests(Map.of("memory", new Quantity("16Mi")))
                .withLimits(Map.of("memory", new Quantity("24Mi"))).build();
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        SpatialLoad done = awaitDone("oom");
        assertThat(done.getStatus().phase).isEqualTo(Phase.Failed);
        LayerStatus l = done.getStatus().layers.get(0);
        assertThat(l.phase).isEqualTo(TaskPhase.Failed);
        assertThat(l.attempts).as("an OOM is not retried: the same input and limit would be killed again").isEqualTo(1);
        assertThat(l.message).contains("OOMKilled").contains("limit 24Mi").contains("raise spec.resources.limits.memory");
        assertThat(warnings("oom")).anySatisfy(e -> assertThat(e.getMessage()).contains("OOMKilled"));
    }

    @Test
    void aMissingSecretIsReportedWithin60SecondsAndTheLoadProceedsOnceItExists() {
        SpatialLoad sl = load("no-secret");
        sl.getSpec().database.secretRef.name = "postgis-later";
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> layer("no-secret") != null && layer("no-secret").message != null
                && layer("no-secret").message.contains("CreateContainerConfigError"));
        assertThat(layer("no-secret").message).contains("postgis-later");
        assertThat(layer("no-secret").phase).isEqualTo(TaskPhase.Running);
        await().atMost(Duration.ofSeconds(30)).until(() -> warnings("no-secret").stream()
                .anyMatch(e -> "TaskStuck".equals(e.getReason()) && e.getMessage().contains("postgis-later")));
        // The user creates the Secret: the kubelet starts the container and the load finishes; the message clears.
        var db = client.secrets().inNamespace(ns).withName("postgis").get();
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("postgis-later").endMetadata()
                .withData(db.getData()).build()).create();
        SpatialLoad done = awaitDone("no-secret");
        assertThat(done.getStatus().phase).isEqualTo(Phase.Succeeded);
        assertThat(done.getStatus().layers.get(0).message).isNull();
    }

    @Test
    void anUnschedulableTaskIsReportedWithin60Seconds() {
        SpatialLoad sl = load("nowhere");
        sl.getSpec().nodeSelector = Map.of("fanout.dev/pool", "does-not-exist");
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> layer("nowhere") != null && layer("nowhere").message != null
                && layer("nowhere").message.contains("unschedulable"));
        assertThat(layer("nowhere").message).contains("node affinity/selector").contains("spec.nodeSelector");
        await().atMost(Duration.ofSeconds(30)).until(() -> warnings("nowhere").stream().anyMatch(e -> "TaskStuck".equals(e.getReason())));
        client.resources(SpatialLoad.class).inNamespace(ns).withName("nowhere").delete();
    }

    @Test
    void anImageThatCannotBePulledFailsTheTaskWithTheReason() {
        SpatialLoad sl = load("no-image");
        sl.getSpec().worker = new WorkerSpec();
        sl.getSpec().worker.image = "fanout/worker:does-not-exist";
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        SpatialLoad done = awaitDone("no-image");
        assertThat(done.getStatus().phase).isEqualTo(Phase.Failed);
        LayerStatus l = done.getStatus().layers.get(0);
        assertThat(l.attempts).isEqualTo(1);
        assertThat(l.message).containsAnyOf("ErrImagePull", "ImagePullBackOff").contains("fanout/worker:does-not-exist")
                .contains("spec.worker.image");
        // The stuck Job is removed once its failure is recorded.
        await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(ns).withLabel("fanout.dev/owner", "no-image")
                .list().getItems().isEmpty());
    }

    @Test
    void anEvictedTaskPodIsNotCountedAsAnAttempt() throws Exception {
        http.hold("admin0/ne_50m_admin_0_countries.shp");
        SpatialLoad sl = load("evicted");
        sl.getSpec().retry.maxAttempts = 1; // had the eviction counted, the task would fail
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(ns).withLabel("fanout.dev/owner", "evicted").list()
                .getItems().stream().anyMatch(p -> "Running".equals(p.getStatus().getPhase())));
        Pod first = client.pods().inNamespace(ns).withLabel("fanout.dev/owner", "evicted").list().getItems().get(0);
        // Through the Eviction API, as a node drain does: the pod gets the DisruptionTarget condition, the Job's pod
        // failure policy ignores its failure, and the Job makes a new pod for the same attempt.
        assertThat(client.pods().inNamespace(ns).withName(first.getMetadata().getName()).evict()).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(ns).withLabel("fanout.dev/owner", "evicted").list()
                .getItems().stream().anyMatch(p -> !p.getMetadata().getName().equals(first.getMetadata().getName())));
        http.release();
        SpatialLoad done = awaitDone("evicted");
        assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(Phase.Succeeded);
        assertThat(done.getStatus().layers.get(0).attempts).isEqualTo(1);
        assertThat(done.getStatus().layers.get(0).rows).isEqualTo(242);
    }

    @Test
    void aHungWorkerTimesOutFreesItsSlotAndIsRetriedAsTransient() {
        http.hold("admin0/ne_50m_admin_0_countries.shp"); // a source server that never answers (for two minutes)
        SpatialLoad sl = load("hung");
        sl.getSpec().taskTimeoutSeconds = 5L;
        sl.getSpec().retry.maxAttempts = 2;
        client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
        SpatialLoad done = awaitDone("hung");
        http.release();
        assertThat(done.getStatus().phase).isEqualTo(Phase.Failed);
        LayerStatus l = done.getStatus().layers.get(0);
        assertThat(l.attempts).as("a timeout is retried").isEqualTo(2);
        assertThat(l.message).contains("failed after 2 attempts").contains("timed out").contains("spec.taskTimeoutSeconds");
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).filteredOn(e -> "TaskRetry".equals(e.getReason())
                && "hung".equals(e.getInvolvedObject().getName())).isNotEmpty();
    }
}
