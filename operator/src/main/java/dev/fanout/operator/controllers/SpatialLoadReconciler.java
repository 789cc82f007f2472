package dev.fanout.operator.controllers;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.AggregateStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadStatus;
import dev.fanout.operator.events.EventReason;
import dev.fanout.operator.status.FanoutStatusAggregator;
import dev.fanout.operator.tasks.TaskEngine;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reconciles a SpatialLoad: a task Job per layer admitted into the capacity window, outcomes recorded in status.layers,
 * then one aggregate Job that links the layers. Spec changes: a layer whose spec (source, table, options, database,
 * image) changed is loaded again, whether it is running (its Job is replaced) or done; removed layers are forgotten
 * (their tables stay); the aggregate runs again whenever a layer it depends on was reloaded. Unchanged layers never rerun.
 */
@ControllerConfiguration(name = "spatialload")
public class SpatialLoadReconciler extends FanoutReconciler<SpatialLoad> implements Reconciler<SpatialLoad> {
    private static final Duration WHILE_RUNNING = Duration.ofSeconds(15);

    public SpatialLoadReconciler() {
        super(SpatialLoad.class, SpatialLoadPlan.KIND, SpatialLoadPlan.LINK_KIND);
    }

    @Override
    FanoutStatus statusOf(SpatialLoad resource) {
        if (resource.getStatus() == null) {
            resource.setStatus(new SpatialLoadStatus());
        }
        return resource.getStatus();
    }

    @Override
    public UpdateControl<SpatialLoad> reconcile(SpatialLoad sl, Context<SpatialLoad> context) {
        SpatialLoadSpec spec = sl.getSpec();
        String statusBefore = io.fabric8.kubernetes.client.utils.Serialization.asJson(sl.getStatus());
        SpatialLoadStatus status = sl.getStatus() == null ? new SpatialLoadStatus() : sl.getStatus();
        sl.setStatus(status);
        long generation = sl.getMetadata().getGeneration() == null ? 0 : sl.getMetadata().getGeneration();
        List<String> problems = SpatialLoadPlan.problems(spec);
        if (!problems.isEmpty()) {
            TaskEngine.Pass none = new TaskEngine.Pass(spec.layers.size(), 0, 0, 0, spec.layers.size(), 0, false, List.of());
            FanoutStatusAggregator.apply(status, generation, none, null, "invalid spec: " + String.join("; ", problems), null, false);
            return ReconcileSupport.writeStatus(client, sl, statusBefore, null);
        }
        String image = spec.worker != null && spec.worker.image != null ? spec.worker.image : defaultImage;
        List<Job> jobs = new ArrayList<>(context.getSecondaryResources(Job.class));
        TaskEngine engine = new TaskEngine(client, planner);
        TaskEngine.Events events = (reason, message) -> EventRecorder.emit(client, sl, reason, message);
        Function<Job, List<Pod>> podsOf = podsOf();

        // The layers.
        List<TaskEngine.Planned> plan = SpatialLoadPlan.tasks(sl, image);
        Map<String, TaskState> states = new LinkedHashMap<>();
        status.layers.forEach(l -> states.put(l.name, new LayerTask(l)));
        TaskEngine.Pass pass = engine.run(sl, spec, spec.database.secretRef, SpatialLoadPlan.KIND, image, plan, states, id -> {
            LayerStatus l = new LayerStatus();
            l.name = id;
            return new LayerTask(l);
        }, ReconcileSupport.ofKind(jobs, SpatialLoadPlan.KIND), podsOf, true, events);
        status.layers = new ArrayList<>();
        for (LayerSpec l : spec.layers) {
            status.layers.add(((LayerTask) states.get(l.name)).s);
        }

        // The aggregate, once every layer is loaded.
        TaskEngine.Planned link = SpatialLoadPlan.linkTask(sl, plan);
        Phase aggregatePhase = null;
        boolean cleanup = pass.cleanupPending();
        if (link == null) {
            status.aggregate = null;
        } else if (pass.allDone() && pass.failed() == 0) {
            AggregateStatus agg = status.aggregate == null ? new AggregateStatus() : status.aggregate;
            status.aggregate = agg;
            Map<String, TaskState> aggStates = new LinkedHashMap<>();
            aggStates.put(link.id(), new AggregateTask(agg));
            TaskEngine.Pass aggPass = engine.run(sl, spec, spec.database.secretRef, SpatialLoadPlan.LINK_KIND, image, List.of(link),
                    aggStates, id -> new AggregateTask(agg), ReconcileSupport.ofKind(jobs, SpatialLoadPlan.LINK_KIND), podsOf, false, events);
            cleanup |= aggPass.cleanupPending();
            aggregatePhase = agg.phase == TaskPhase.Succeeded ? Phase.Succeeded : agg.phase == TaskPhase.Failed ? Phase.Failed : Phase.Running;
        } else if (status.aggregate != null && status.aggregate.phase != TaskPhase.Running) {
            status.aggregate.phase = TaskPhase.Pending;
            status.aggregate.message = "waits for every layer to be loaded";
        }

        String failure = null;
        if (pass.failed() > 0) {
            failure = "layer " + String.join("; layer ", pass.failedMessages()) + " (no aggregate)";
        } else if (aggregatePhase == Phase.Failed) {
            failure = "aggregate (link) failed: " + status.aggregate.message;
        }
        boolean degraded = status.layers.stream().anyMatch(l -> l.phase == TaskPhase.Retrying || l.phase == TaskPhase.Failed)
                || (status.aggregate != null && status.aggregate.phase == TaskPhase.Retrying);
        Phase before = status.phase;
        FanoutStatusAggregator.apply(status, generation, pass, aggregatePhase, failure, meanSeconds(status), degraded);
        if (status.phase != before && (status.phase == Phase.Succeeded || status.phase == Phase.Failed)) {
            events.emit(status.phase == Phase.Succeeded ? EventReason.Succeeded : EventReason.Failed, status.message);
        }
        Duration next = cleanup ? Duration.ofSeconds(1) // delete the Jobs whose outcome this status now holds
                : status.phase != Phase.Succeeded && status.phase != Phase.Failed ? WHILE_RUNNING // a safety net: events drive progress
                : null;
        return ReconcileSupport.writeStatus(client, sl, statusBefore, next);
    }

    private static Double meanSeconds(SpatialLoadStatus st) {
        return st.layers.stream().filter(l -> l.phase == TaskPhase.Succeeded && l.startTime != null && l.completionTime != null)
                .mapToDouble(l -> Duration.between(Instant.parse(l.startTime), Instant.parse(l.completionTime)).toMillis() / 1000.0)
                .average().stream().boxed().findFirst().orElse(null);
    }
}
