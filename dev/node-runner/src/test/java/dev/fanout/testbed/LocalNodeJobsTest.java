package dev.fanout.testbed;

import static dev.fanout.testbed.TestBed.jobCondition;
import static dev.fanout.testbed.TestBed.restrictedContainer;
import static dev.fanout.testbed.TestBed.restrictedPodSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Smoke tests of the real test bed: Jobs get Pods from the real Job controller, the real scheduler binds them to the local
 * node, the node runner runs them as processes and reports outcomes the Job controller acts on.
 */
class LocalNodeJobsTest {
    static KubernetesClient client;
    static String ns;

    @BeforeAll
    static void setUp() {
        client = TestBed.client();
        ns = TestBed.createRestrictedNamespace(client, "smoke");
    }

    @AfterAll
    static void tearDown() {
        if (client != null) {
            client.namespaces().withName(ns).delete();
            client.close();
        }
    }

    private Job run(Job job, String until) {
        client.batch().v1().jobs().inNamespace(ns).resource(job).create();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> jobCondition(client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get(), until));
        return client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
    }

    private Pod onlyPodOf(String jobName) {
        List<Pod> pods = client.pods().inNamespace(ns).withLabel("job-name", jobName).list().getItems();
        assertThat(pods).hasSize(1);
        return pods.get(0);
    }

    private static ContainerStateTerminated terminated(Pod pod, String container) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(container)).findFirst()
                .orElseThrow().getState().getTerminated();
    }

    @Test
    void workerVersionJobIsScheduledOntoTheLocalNodeAndCompletes() {
        Job job = run(TestBed.job("worker-version", restrictedPodSpec(List.of(
                restrictedContainer("worker", "fanout/worker:dev").withArgs("version").build()))), "Complete");
        assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
        Pod pod = onlyPodOf("worker-version");
        assertThat(pod.getSpec().getNodeName()).isEqualTo(TestBed.LOCAL_NODE);
        assertThat(pod.getStatus().getConditions()).anyMatch(c -> c.getType().equals("PodScheduled") && c.getStatus().equals("True"));
        assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(terminated(pod, "worker").getExitCode()).isZero();
        assertThat(terminated(pod, "worker").getReason()).isEqualTo("Completed");
    }

    @Test
    void jobExitingWithCode2EndsFailedWithTheExitCodeInPodStatus() {
        Job job = run(TestBed.job("worker-bad-input", restrictedPodSpec(List.of(
                restrictedContainer("worker", "fanout/worker:dev").withArgs("no-such-command").build()))), "Failed");
        assertThat(job.getStatus().getFailed()).isEqualTo(1);
        Pod pod = onlyPodOf("worker-bad-input");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(terminated(pod, "worker").getExitCode()).isEqualTo(2);
        assertThat(terminated(pod, "worker").getReason()).isEqualTo("Error");
    }

    @Test
    void initContainersEnvFromSecretsConfigMapsFieldsEmptyDirAndTerminationMessage() {
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
                .withStringData(Map.of("password", "s3cret")).build()).create();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
                .withData(Map.of("greeting", "hello")).build()).create();
        var mount = new VolumeMountBuilder().withName("work").withMountPath("/work").build();
        var first = restrictedContainer("first", "busybox").withCommand("sh", "-c", "echo one > /work/order").withVolumeMounts(mount).build();
        var second = restrictedContainer("second", "busybox").withCommand("sh", "-c", "echo two >> /work/order").withVolumeMounts(mount).build();
        var main = restrictedContainer("main", "busybox").withVolumeMounts(mount)
                .withEnv(new EnvVarBuilder().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "db", false).endValueFrom().build(),
                        new EnvVarBuilder().withName("GREETING").withNewValueFrom().withNewConfigMapKeyRef("greeting", "cfg", false).endValueFrom().build(),
                        new EnvVarBuilder().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build(),
                        new EnvVarBuilder().withName("OUT").withValue("/work/result").build())
                .withCommand("sh", "-c", "printf '%s %s %s %s|%s' \"$GREETING\" \"$PASSWORD\" \"${POD%%-*}\" \"$(tr '\\n' , < /work/order)\" \"$OUT\" > /dev/termination-log")
                .build();
        var spec = restrictedPodSpec(List.of(main)).withInitContainers(first, second)
                .withVolumes(new VolumeBuilder().withName("work").withNewEmptyDir().endEmptyDir().build());
        run(TestBed.job("plumbing", spec), "Complete");
        Pod pod = onlyPodOf("plumbing");
        // Init containers ran in order; the emptyDir mount path /work was rewritten to the pod's local directory in env too.
        assertThat(terminated(pod, "main").getMessage()).startsWith("hello s3cret plumbing one,two,|")
                .endsWith("/volumes/work/result").doesNotContain("|/work/");
        assertThat(pod.getStatus().getInitContainerStatuses()).extracting(s -> s.getState().getTerminated().getExitCode())
                .containsExactly(0, 0);
    }

    @Test
    void failingInitContainerFailsThePodWithoutStartingTheMainContainer() {
        var spec = restrictedPodSpec(List.of(restrictedContainer("main", "busybox").withCommand("sh", "-c", "exit 0").build()))
                .withInitContainers(restrictedContainer("init", "busybox").withCommand("sh", "-c", "exit 7").build());
        run(TestBed.job("init-fails", spec), "Failed");
        Pod pod = onlyPodOf("init-fails");
        assertThat(pod.getStatus().getInitContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(7);
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getWaiting()).isNotNull();
    }

    @Test
    void deletingAPodKillsItsProcess() throws Exception {
        // A unique extra argument (GNU sleep adds its arguments up) finds exactly this pod's process in /proc.
        String sleepArgs = "sleep 300 0." + (System.nanoTime() % 1_000_000_000L);
        Pod pod = new PodBuilder().withNewMetadata().withName("sleeper").endMetadata()
                .withSpec(restrictedPodSpec(List.of(restrictedContainer("main", "busybox")
                        .withCommand("sh", "-c", "exec " + sleepArgs).build()))
                        .withTerminationGracePeriodSeconds(2L).build())
                .build();
        client.pods().inNamespace(ns).resource(pod).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(client.pods().inNamespace(ns).withName("sleeper").get().getStatus().getPhase()));
        assertThat(processesWith(sleepArgs)).isPositive();
        client.pods().inNamespace(ns).withName("sleeper").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(ns).withName("sleeper").get() == null);
        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(sleepArgs) == 0);
    }

    @Test
    void activeDeadlineSecondsEndsThePod() {
        Pod pod = new PodBuilder().withNewMetadata().withName("deadline").endMetadata()
                .withSpec(restrictedPodSpec(List.of(restrictedContainer("main", "busybox").withCommand("sleep", "120").build()))
                        .withActiveDeadlineSeconds(2L).build())
                .build();
        client.pods().inNamespace(ns).resource(pod).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(client.pods().inNamespace(ns).withName("deadline").get().getStatus().getPhase()));
        assertThat(client.pods().inNamespace(ns).withName("deadline").get().getStatus().getReason()).isEqualTo("DeadlineExceeded");
    }

    @Test
    void podSecurityAdmissionRejectsAPrivilegedPodInARestrictedNamespace() {
        Pod pod = new PodBuilder().withNewMetadata().withName("privileged").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage("busybox").withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .endContainer().endSpec().build();
        assertThatThrownBy(() -> client.pods().inNamespace(ns).resource(pod).create())
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("violates PodSecurity \"restricted");
    }

    private static long processesWith(String text) throws Exception {
        long n = 0;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) dirs::iterator) {
                Path cmd = p.resolve("cmdline");
                if (p.getFileName().toString().matches("\\d+") && Files.isReadable(cmd)) {
                    try {
                        if (new String(Files.readAllBytes(cmd)).replace('\0', ' ').contains(text)) {
                            n++;
                        }
                    } catch (java.io.IOException gone) {
                        // the process ended while we looked
                    }
                }
            }
        }
        return n;
    }
}
