package dev.fanout.testbed;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes pod status the way a kubelet does: read, change, update the status subresource, retry on conflicts. */
final class PodStatusWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PodStatusWriter.class);
    private final KubernetesClient client;

    PodStatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /** @return false when the pod is gone */
    boolean update(String namespace, String name, Consumer<PodStatus> change) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Pod pod = client.pods().inNamespace(namespace).withName(name).get();
            if (pod == null) {
                return false;
            }
            if (pod.getStatus() == null) {
                pod.setStatus(new PodStatus());
            }
            change.accept(pod.getStatus());
            try {
                client.pods().inNamespace(namespace).resource(pod).updateStatus();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return false;
                }
                if (e.getCode() != 409) {
                    LOG.warn("status update of {}/{} failed: {}", namespace, name, e.getMessage());
                }
                sleep(100L * (attempt + 1));
            }
        }
        LOG.error("gave up updating status of {}/{}", namespace, name);
        return false;
    }

    void forceDelete(String namespace, String name) {
        try {
            client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                LOG.warn("force delete of {}/{} failed: {}", namespace, name, e.getMessage());
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
