package dev.fanout.operator.controllers;

import dev.fanout.operator.changes.SourceCheck;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.RunStatus;
import dev.fanout.operator.events.EventReason;
import dev.fanout.operator.schedule.Runs;
import dev.fanout.operator.tasks.TaskOwner;
import jakarta.inject.Inject;
import java.util.HashMap;
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

    @Inject
    SourceCheck sources;

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
    Tasks tasks(SpatialLoad sl, String image, java.util.function.Function<String, Instant> podStarted) {
        if (sl.getStatus().layers.isEmpty() && sl.getSpec().layers.size() > 1) {
            sizeSources(sl);
        }
        Map<String, TaskState> states = new LinkedHashMap<>();
        sl.getStatus().layers.forEach(l -> states.put(l.name, new LayerTask(l)));
        return new Tasks(SpatialLoadPlan.tasks(sl, image), states, id -> {
            LayerStatus l = new LayerStatus();
            l.name = id;
            return new LayerTask(l);
        });
    }

    /**
     * On a load's first pass, the Content-Length of each source without a sizeHint (one HEAD per distinct URL), so that the
     * largest layers start first: the makespan of a fan-out is bounded below by its longest task, best started early.
     */
    private void sizeSources(SpatialLoad sl) {
        Map<String, Long> byUrl = new HashMap<>();
        List<LayerStatus> layers = new ArrayList<>();
        for (LayerSpec l : sl.getSpec().layers) {
            LayerStatus s = new LayerStatus();
            s.name = l.name;
            if (l.sizeHint == null) {
                if (!byUrl.containsKey(l.source.url)) {
                    var v = sources.current(l.source.url);
                    byUrl.put(l.source.url, v == null ? null : v.length());
                }
                s.sourceBytes = byUrl.get(l.source.url);
            }
            layers.add(s);
        }
        sl.getStatus().layers = layers;
    }

    @Override
    void recordTasks(SpatialLoad sl, Tasks tasks, TaskEngine.Pass pass) {
        List<LayerStatus> layers = new ArrayList<>();
        for (LayerSpec l : sl.getSpec().layers) { // spec order, whatever the admission order
            LayerTask t = (LayerTask) tasks.states().get(l.name);
            if (t.keptTable && t.s.phase == TaskPhase.Succeeded) {
                t.s.phase = TaskPhase.Unchanged;
                t.s.message = "source bytes unchanged (SHA-256 " + abbreviated(t.s.source == null ? null : t.s.source.sha256)
                        + "): the table was kept";
            }
            layers.add(t.s);
        }
        sl.getStatus().layers = layers;
    }

    /**
     * A scheduled run asks each loaded layer's server whether its files changed ({@link SourceCheck}): an unchanged layer is
     * Unchanged at once (no Job, its table untouched); the others get a new source revision, which changes their task's
     * fingerprint, so they load again (a running one is replaced). Failed layers run again anyway (the run restarts them).
     * A reload request gives every layer a new revision, and the worker replaces the table whatever the bytes.
     */
    @Override
    void startRun(SpatialLoad sl, RunStatus run, boolean forced, TaskOwner owner) {
        Map<String, LayerStatus> byName = new HashMap<>();
        sl.getStatus().layers.forEach(l -> byName.put(l.name, l));
        for (LayerSpec l : sl.getSpec().layers) {
            LayerStatus ls = byName.get(l.name);
            if (ls == null || ls.phase == TaskPhase.Failed && !forced) {
                continue;
            }
            if (forced) {
                ls.sourceRevision = Runs.revision(run, true);
                continue;
            }
            String fingerprint = SpatialLoadPlan.fingerprint(sl.getSpec(), l, owner.image());
            SourceCheck.Result check = ls.phase != null && ls.phase.succeeded() && ls.source != null && fingerprint.equals(ls.source.fingerprint)
                    ? sources.check(LayerTask.files(ls.source)) : null;
            if (check != null && check.verdict() == SourceCheck.Verdict.UNCHANGED) {
                ls.phase = TaskPhase.Unchanged;
                ls.message = check.reason();
                owner.events().emit(EventReason.TaskUnchanged, "layer " + l.name + ": " + check.reason() + "; not loaded again");
            } else {
                ls.sourceRevision = Runs.revision(run, false);
                if (check != null) {
                    owner.events().emit(EventReason.SpecChanged, "layer " + l.name + ": " + check.reason() + "; loading it again");
                }
            }
        }
    }

    @Override
    String runSummary(SpatialLoad sl, TaskEngine.Pass pass) {
        SpatialLoadStatus st = sl.getStatus();
        Instant start = Instant.parse(st.run.startTime);
        long loaded = 0;
        long rows = 0;
        long unchanged = 0;
        long failed = 0;
        for (LayerStatus l : st.layers) {
            if (l.phase == TaskPhase.Unchanged) {
                unchanged++;
            } else if (l.phase == TaskPhase.Failed) {
                failed++;
            } else if (l.phase == TaskPhase.Succeeded && l.completionTime != null && !Instant.parse(l.completionTime).isBefore(start)) {
                loaded++;
                rows += l.rows == null ? 0 : l.rows;
            }
        }
        // By the link Job's start, not its end: times have one-second resolution, and a scheduled run starts the moment the
        // last one ends, so the last run's links may end in the very second this run starts.
        String links = st.aggregate == null ? "" : st.aggregate.startTime != null && st.aggregate.phase == TaskPhase.Succeeded
                && !Instant.parse(st.aggregate.startTime).isBefore(start) ? "; links run" : "; links kept";
        return st.layers.size() + " layers: " + loaded + " loaded (" + rows + " rows), " + unchanged + " unchanged, " + failed + " failed"
                + links;
    }

    private static String abbreviated(String sha) {
        return sha == null ? "?" : sha.substring(0, Math.min(12, sha.length()));
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
