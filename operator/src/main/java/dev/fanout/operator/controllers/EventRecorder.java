package dev.fanout.operator.controllers;

import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Kubernetes Events on a resource (kubectl describe shows them): task start, success, failure, retry, aggregate. */
final class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private EventRecorder() {
    }

    /** Recently emitted (resource uid, reason, message): a reconcile repeated on a stale copy does not repeat its events. */
    private static final java.util.Map<String, Long> RECENT = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Long> eldest) {
            return size() > 4096;
        }
    });

    /** @return whether an Event was written (not a repeat of one written in the last 10 minutes) */
    static boolean emit(KubernetesClient client, HasMetadata on, EventReason reason, String message) {
        String key = on.getMetadata().getUid() + "|" + reason + "|" + message;
        Long last = RECENT.put(key, System.currentTimeMillis());
        if (last != null && System.currentTimeMillis() - last < 600_000) {
            return false;
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(on.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(on.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .withNamespace(on.getMetadata().getNamespace()).endMetadata()
                    .withNewInvolvedObject().withApiVersion(on.getApiVersion()).withKind(on.getKind())
                    .withName(on.getMetadata().getName()).withNamespace(on.getMetadata().getNamespace())
                    .withUid(on.getMetadata().getUid()).endInvolvedObject()
                    .withReason(reason.name()).withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                    .withType(reason.warning ? "Warning" : "Normal").withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent("fanout-operator").endSource().build()).create();
        } catch (KubernetesClientException e) {
            LOG.debugf("could not record event %s: %s", reason, e.getMessage()); // events are best effort
        }
        return true;
    }
}
