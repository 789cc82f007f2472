package dev.fanout.operator.controllers;

import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.util.List;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What every fan-out reconciler is wired to: the client, the shared capacity planner, the default worker image, and the
 * same event sources (its task and aggregate Jobs, their pods, capacity wake-ups). Subclasses implement
 * {@code Reconciler<R>}; this class's {@link #prepareEventSources} serves it.
 */
abstract class FanoutReconciler<R extends CustomResource<?, ?>> {
    @Inject
    KubernetesClient client;

    @Inject
    CapacityPlanner planner;

    @ConfigProperty(name = "fanout.worker.image")
    String defaultImage;

    private final Class<R> type;
    private final String taskKind;
    private final String aggregateKind;
    /** Task pods: their end frees a slot (see JobOutcome). */
    private InformerEventSource<Pod, R> pods;

    FanoutReconciler(Class<R> type, String taskKind, String aggregateKind) {
        this.type = type;
        this.taskKind = taskKind;
        this.aggregateKind = aggregateKind;
    }

    public List<EventSource<?, R>> prepareEventSources(EventSourceContext<R> context) {
        var jobs = ReconcileSupport.taskJobs(context, type, taskKind, aggregateKind);
        pods = ReconcileSupport.taskPods(context, type, taskKind, aggregateKind);
        return List.of(jobs, pods, ReconcileSupport.capacityWake(planner, taskKind));
    }

    /** The resource's status, made when it has none yet. */
    abstract FanoutStatus statusOf(R resource);

    /**
     * A reconcile that threw (a bug, or the API server refusing a write) says so in the status and an Event instead of
     * being retried in silence; the SDK retries it with backoff, and the next successful pass writes the status anew.
     */
    public ErrorStatusUpdateControl<R> updateErrorStatus(R resource, Context<R> context, Exception e) {
        String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse(""));
        String message = "reconcile failed, retrying: " + (why.length() > 500 ? why.substring(0, 500) : why);
        EventRecorder.emit(client, resource, EventReason.ReconcileError, message);
        statusOf(resource).message = message;
        return ErrorStatusUpdateControl.patchStatus(resource);
    }

    /** A Job's pods, from the task-pod informer's cache; make one per reconcile (it remembers what it looked up). */
    Function<Job, List<Pod>> podsOf() {
        return ReconcileSupport.podsOf(client, pods);
    }
}
