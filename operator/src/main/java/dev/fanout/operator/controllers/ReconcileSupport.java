package dev.fanout.operator.controllers;

import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.tasks.JobOutcome;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.metrics.RecordedAfterWrite;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** What every fan-out reconciler does the same way: status writes, Job lookups, waking up on free capacity. */
final class ReconcileSupport {
    /** The label the Job controller puts on a Job's pods. */
    private static final String JOB_NAME = "job-name";

    private ReconcileSupport() {
    }

    /**
     * Writes the status with optimistic locking (PUT with the resourceVersion read): a reconcile that worked from a stale
     * copy fails with 409 and runs again on the fresh one, so no recorded outcome is ever overwritten. Unchanged status
     * is not written.
     * <p>
     * The written resource goes to JOSDK's overlay on the informer cache (as its own status updates do): the next pass,
     * woken by a pod or Job event that arrives before the informer sees this write, starts from what this pass recorded,
     * not from the copy before it. A pass on that older copy would act on outdated states before its write failed: adopt
     * Jobs this pass already recorded, miss the timings this pass took in, and start runs alone instead of packed.
     */
    static <R extends CustomResource<?, ?>> UpdateControl<R> writeStatus(KubernetesClient client, Context<R> context,
            RecordedAfterWrite metrics, Runnable conflicted, R resource, String before, Duration next) {
        UpdateControl<R> control = UpdateControl.noUpdate();
        if (!Serialization.asJson(resource.getStatus()).equals(before)) {
            metrics.apiWrite("update", "status");
            R written;
            try {
                written = client.resource(resource).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    conflicted.run();
                    return control.rescheduleAfter(Duration.ofMillis(200));
                }
                throw e;
            }
            // The write leaves resource as read (the client sends a copy): the overlay holds written while the informer still
            // has that version.
            context.eventSourceRetriever().getControllerEventSource().handleRecentResourceUpdate(ResourceID.fromResource(resource),
                    written, resource);
        }
        metrics.written();
        return next == null ? control : control.rescheduleAfter(next);
    }

    /**
     * When each Job's pod started (status.startTime, set once a node took it), by Job name; null while none has: its
     * Job may wait in the Job controller's queue, or its pod for a node. Read from the pods once, when first asked.
     */
    static Function<String, java.time.Instant> podStarts(java.util.function.Supplier<? extends java.util.Collection<Pod>> pods) {
        Map<String, java.time.Instant> byJob = new HashMap<>();
        boolean[] read = {false};
        return job -> {
            if (!read[0]) {
                read[0] = true;
                for (Pod p : pods.get()) {
                    String name = p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(JOB_NAME);
                    if (name != null && p.getStatus() != null && p.getStatus().getStartTime() != null) {
                        java.time.Instant at = java.time.Instant.parse(p.getStatus().getStartTime());
                        byJob.merge(name, at, (a, b) -> a.isBefore(b) ? a : b);
                    }
                }
            }
            return byJob.get(job);
        };
    }

    static List<Job> ofKind(List<Job> jobs, String kind) {
        return jobs.stream().filter(j -> j.getMetadata().getLabels() != null
                && kind.equals(j.getMetadata().getLabels().get(TaskJobs.LABEL_KIND))).toList();
    }

    /**
     * A Job's pods from the informer's cache; for a finished Job whose cached pods do not show the ended container yet
     * (the cache lags), from the API server, so no termination message is missed. Looked up once per Job: the engine asks
     * for a Job's pods when it records the outcome and again when it decides whether to delete the Job.
     */
    static Function<Job, List<Pod>> podsOf(KubernetesClient client, InformerEventSource<Pod, ?> cache) {
        Map<String, List<Pod>> seen = new HashMap<>();
        return job -> seen.computeIfAbsent(job.getMetadata().getNamespace() + "/" + job.getMetadata().getName(), key -> {
            String ns = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            List<Pod> cached = cache.list(ns, p -> name.equals(p.getMetadata().getLabels().get(JOB_NAME)) && ownedBy(p, job)).toList();
            if (!JobOutcome.finished(job) || JobOutcome.podEnded(cached) != null) {
                return cached;
            }
            return client.pods().inNamespace(ns).withLabel(JOB_NAME, name).list().getItems().stream().filter(p -> ownedBy(p, job)).toList();
        });
    }

    /**
     * The pod belongs to this Job object, not to an earlier Job of the same name (a rerun reuses a task's first Job name,
     * and the garbage collector may not have removed the old Job's pods yet).
     */
    private static boolean ownedBy(Pod p, Job job) {
        return p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid()));
    }

    /**
     * The informer of a kind's task pods, mapped to their owner by its label: a pod's end wakes the owner at once, so
     * the next task starts without waiting for the Job controller to mark the Job (it batches pod events for a second).
     */
    static <R extends CustomResource<?, ?>> InformerEventSource<Pod, R> taskPods(
            EventSourceContext<R> context, Class<R> owner, String... kinds) {
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, owner)
                        .withLabelSelector(TaskJobs.LABEL_KIND + " in (" + String.join(",", kinds) + ")")
                        .withSecondaryToPrimaryMapper(pod -> {
                            String name = pod.getMetadata().getLabels().get(TaskJobs.LABEL_OWNER);
                            return name == null ? Set.of() : Set.of(new ResourceID(name, pod.getMetadata().getNamespace()));
                        }).build(), context);
    }

    /** The informer of a kind's task and aggregate Jobs, mapped to their owner through the owner reference. */
    static <R extends CustomResource<?, ?>> InformerEventSource<Job, R> taskJobs(
            EventSourceContext<R> context, Class<R> owner, String... kinds) {
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Job.class, owner)
                        .withLabelSelector(TaskJobs.LABEL_KIND + " in (" + String.join(",", kinds) + ")")
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(owner)).build(), context);
    }

    /** An event source that the capacity planner fires for resources of this kind when slots free up. */
    static <R extends CustomResource<?, ?>> SimpleInboundEventSource<R> capacityWake(CapacityPlanner planner, String kind) {
        SimpleInboundEventSource<R> wake = new SimpleInboundEventSource<>("capacity-" + kind);
        planner.onWake(owner -> {
            String[] p = owner.split("/", 3); // namespace/kind/name
            if (p.length == 3 && p[1].equals(kind)) {
                wake.propagateEvent(new ResourceID(p[2], p[0]));
            }
        });
        return wake;
    }
}
