package dev.fanout.operator.controllers;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.AggregateStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadStatus;
import dev.fanout.operator.tasks.StatusTask;
import dev.fanout.operator.tasks.TaskEngine;
import dev.fanout.operator.tasks.TaskSet;
import dev.fanout.operator.tasks.TaskState;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reconciles a SpatialLoad: a task Job per layer admitted into the capacity window, outcomes recorded in status.layers,
 * then one aggregate Job that links the layers. Spec changes: a layer whose spec (source, table, options, database,
 * image) changed is loaded again, whether it is running (its Job is replaced) or done; removed layers are forgotten
 * (their tables stay); the aggregate runs again whenever a layer it depends on was reloaded. Unchanged layers never rerun.
 */
// Not generation-aware: an annotation request (rerun-failed) changes no generation; SpecOrRequestChanged keeps the operator's
// own status writes from waking it.
@ControllerConfiguration(name = "spatialload", generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = SpecOrRequestChanged.class))
public class SpatialLoadReconciler extends FanoutReconciler<SpatialLoad, SpatialLoadStatus> implements Reconciler<SpatialLoad> {

    public SpatialLoadReconciler() {
        super(SpatialLoad.class, SpatialLoadPlan.KIND, SpatialLoadPlan.LINK_KIND);
    }

    @Override
    SpatialLoadStatus statusOf(SpatialLoad resource) {
        if (resource.getStatus() == null) {
            resource.setStatus(new SpatialLoadStatus());
        }
        return resource.getStatus();
    }

    @Override
    List<String> problems(SpatialLoad sl) {
        return SpatialLoadPlan.problems(sl.getSpec());
    }

    @Override
    SecretKeys database(SpatialLoad sl) {
        return sl.getSpec().database.secretRef;
    }

    @Override
    Tasks tasks(SpatialLoad sl, String image) {
        Map<String, TaskState> states = new LinkedHashMap<>();
        sl.getStatus().layers.forEach(l -> states.put(l.name, new LayerTask(l)));
        return new Tasks(SpatialLoadPlan.tasks(sl, image), states, id -> {
            LayerStatus l = new LayerStatus();
            l.name = id;
            return new LayerTask(l);
        });
    }

    @Override
    void recordTasks(SpatialLoad sl, Tasks tasks, TaskEngine.Pass pass) {
        List<LayerStatus> layers = new ArrayList<>();
        for (LayerSpec l : sl.getSpec().layers) { // spec order, whatever the admission order
            layers.add(((LayerTask) tasks.states().get(l.name)).s);
        }
        sl.getStatus().layers = layers;
    }

    @Override
    TaskSet.Planned aggregateTask(SpatialLoad sl, List<TaskSet.Planned> plan) {
        TaskSet.Planned link = SpatialLoadPlan.linkTask(sl, plan);
        if (link == null) {
            sl.getStatus().aggregate = null; // no layer has a parent (any more)
        }
        return link;
    }

    @Override
    boolean aggregateMayRun(TaskEngine.Pass pass) {
        return pass.allDone() && pass.failed() == 0;
    }

    @Override
    String aggregateWaitsFor() {
        return "every layer to be loaded";
    }

    @Override
    StatusTask<?> aggregateState(SpatialLoad sl, boolean create) {
        SpatialLoadStatus st = sl.getStatus();
        if (st.aggregate == null && create) {
            st.aggregate = new AggregateStatus();
        }
        return st.aggregate == null ? null : new AggregateTask(st.aggregate);
    }

    @Override
    String failure(SpatialLoad sl, TaskEngine.Pass pass, Phase aggregatePhase) {
        if (pass.failed() > 0) {
            return "layer " + String.join("; layer ", pass.failedMessages()) + " (no aggregate)";
        }
        return aggregatePhase == Phase.Failed ? "aggregate (link) failed: " + sl.getStatus().aggregate.message : null;
    }

    @Override
    Double meanTaskSeconds(SpatialLoad sl) {
        return sl.getStatus().layers.stream().filter(l -> l.phase == TaskPhase.Succeeded && l.startTime != null && l.completionTime != null)
                .mapToDouble(l -> Duration.between(Instant.parse(l.startTime), Instant.parse(l.completionTime)).toMillis() / 1000.0)
                .average().stream().boxed().findFirst().orElse(null);
    }
}
