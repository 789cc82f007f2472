package dev.fanout.testbed;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the Pods bound to our node and starts, stops and finally deletes them, as a kubelet's pod workers would.
 * After a runner restart, pods whose containers were running are failed (their processes are gone), pods that never
 * started are started.
 */
final class PodSupervisor implements ResourceEventHandler<Pod> {
    private static final Logger LOG = LoggerFactory.getLogger(PodSupervisor.class);
    private final KubernetesClient client;
    private final RunnerConfig config;
    private final ContainerLaunch launcher;
    private final PodStatusWriter writer;
    private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
    private SharedIndexInformer<Pod> informer;

    PodSupervisor(KubernetesClient client, RunnerConfig config, ImageMap images) {
        this.client = client;
        this.config = config;
        this.launcher = new ContainerLaunch(client, images);
        this.writer = new PodStatusWriter(client);
    }

    void start() {
        informer = client.pods().inAnyNamespace().withField("spec.nodeName", config.nodeName()).inform(this, 30_000);
    }

    void stopAll() {
        if (informer != null) {
            informer.stop();
        }
        runs.values().forEach(r -> r.stop("RunnerStopped", 2));
    }

    @Override
    public void onAdd(Pod pod) {
        handle(pod);
    }

    @Override
    public void onUpdate(Pod old, Pod pod) {
        handle(pod);
    }

    @Override
    public void onDelete(Pod pod, boolean unknownFinalState) {
        PodRun run = runs.remove(pod.getMetadata().getUid());
        if (run != null) {
            run.stop("Deleted", 0);
        }
    }

    private synchronized void handle(Pod pod) {
        String uid = pod.getMetadata().getUid();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
        PodRun run = runs.get(uid);
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (run != null) {
                Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
                run.stop("Deleted", grace == null ? 30 : grace);
                Thread.ofVirtual().start(() -> awaitThenRemove(pod, run));
            } else {
                // Nothing runs for it here: finish the deletion as a kubelet does once containers are gone.
                writer.forceDelete(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            }
            return;
        }
        if (run != null || terminal) {
            return;
        }
        boolean wasRunning = pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
                && pod.getStatus().getContainerStatuses().stream().anyMatch(s -> s.getState() != null && s.getState().getRunning() != null);
        if (wasRunning) {
            LOG.warn("pod {}/{} was running before this runner started; its processes are gone: failing it",
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            writer.update(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), st -> {
                st.setPhase("Failed");
                st.setReason("NodeRunnerRestarted");
                st.setMessage("the test-bed node runner restarted while the pod was running");
            });
            return;
        }
        PodRun fresh = new PodRun(pod, config.workDir(), client, launcher, writer);
        runs.put(uid, fresh);
        Thread.ofVirtual().name("pod-" + fresh.key()).start(fresh);
    }

    private void awaitThenRemove(Pod pod, PodRun run) {
        // PodRun publishes its final status itself; give it the grace period plus a little, then finish the delete.
        Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
        PodStatusWriter.sleep(Math.min(grace == null ? 30 : grace, 30) * 1000 + 2000);
        runs.remove(pod.getMetadata().getUid());
        writer.forceDelete(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    }
}
