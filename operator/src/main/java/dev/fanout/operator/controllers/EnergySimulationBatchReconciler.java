package dev.fanout.operator.controllers;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergyAggregateStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantCounts;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun;
import dev.fanout.operator.events.EventReason;
import dev.fanout.operator.status.FanoutStatusAggregator;
import dev.fanout.operator.tasks.TaskEngine;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskLedger;
import dev.fanout.operator.tasks.TaskState;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reconciles an EnergySimulationBatch on the same engine as SpatialLoad: a Job per run (model x weather x variant)
 * admitted into the capacity window, then one aggregate Job that ranks the results table. A run that fails for good
 * (a fatal EnergyPlus error, bad input) is listed and the others go on; the aggregate runs once every run is done and
 * at least one succeeded. The status holds counts, the live runs, the first failures and a compact ledger of finished
 * runs, never a list of every run, so 10,000 runs keep it small.
 */
@ControllerConfiguration(name = "energysimulationbatch")
public class EnergySimulationBatchReconciler extends FanoutReconciler<EnergySimulationBatch> implements Reconciler<EnergySimulationBatch> {
    private static final Duration WHILE_RUNNING = Duration.ofSeconds(15);
    static final int MAX_LISTED_FAILURES = 20;
    /** Per-run start/success events would be thousands; failures, retries and the batch's own events are kept. */
    private static final Set<EventReason> QUIET = Set.of(EventReason.TaskStarted, EventReason.TaskSucceeded);

    public EnergySimulationBatchReconciler() {
        super(EnergySimulationBatch.class, EnergyBatchPlan.KIND, EnergyBatchPlan.AGGREGATE_KIND);
    }

    @Override
    FanoutStatus statusOf(EnergySimulationBatch resource) {
        if (resource.getStatus() == null) {
            resource.setStatus(new EnergySimulationBatchStatus());
        }
        return resource.getStatus();
    }

    @Override
    public UpdateControl<EnergySimulationBatch> reconcile(EnergySimulationBatch esb, Context<EnergySimulationBatch> context) {
        EnergySimulationBatchSpec spec = esb.getSpec();
        String statusBefore = Serialization.asJson(esb.getStatus());
        EnergySimulationBatchStatus status = esb.getStatus() == null ? new EnergySimulationBatchStatus() : esb.getStatus();
        esb.setStatus(status);
        long generation = esb.getMetadata().getGeneration() == null ? 0 : esb.getMetadata().getGeneration();
        List<EnergyBatchPlan.Variant> variants = EnergyBatchPlan.variants(spec);
        List<String> problems = EnergyBatchPlan.problems(spec, variants);
        if (!problems.isEmpty()) {
            TaskEngine.Pass none = new TaskEngine.Pass(0, 0, 0, 0, 0, 0, false, List.of());
            FanoutStatusAggregator.apply(status, generation, none, null, "invalid spec: " + String.join("; ", problems), null, false);
            return ReconcileSupport.writeStatus(client, esb, statusBefore, null);
        }
        String image = spec.worker != null && spec.worker.image != null ? spec.worker.image : defaultImage;
        List<Job> jobs = new ArrayList<>(context.getSecondaryResources(Job.class));
        TaskEngine engine = new TaskEngine(client, planner);
        TaskEngine.Events events = (reason, message) -> {
            if (!QUIET.contains(reason)) {
                EventRecorder.emit(client, esb, reason, message);
            }
        };

        // The runs: live ones from status.running, finished ones from the ledger, the rest are new.
        List<TaskEngine.Planned> plan = EnergyBatchPlan.tasks(esb, variants, image);
        TaskLedger ledger = new TaskLedger(status.ledger);
        Map<String, VariantRun> live = new HashMap<>();
        status.running.forEach(r -> live.put(r.id, r));
        Map<String, TaskState> states = new LinkedHashMap<>();
        for (TaskEngine.Planned t : plan) {
            TaskState s = live.containsKey(t.id()) ? new VariantRunTask(live.get(t.id())) : ledger.find(t.id(), t.specHash());
            if (s != null) {
                states.put(t.id(), s);
            }
        }
        TaskEngine.Pass pass = engine.run(esb, spec, spec.results.database.secretRef, EnergyBatchPlan.KIND, image, plan, states,
                id -> new TaskLedger.Entry(), ReconcileSupport.ofKind(jobs, EnergyBatchPlan.KIND), podsOf(),
                true, events);
        record(status, plan, states, pass);

        // The aggregate, once every run is done and one at least succeeded.
        TaskEngine.Planned aggregate = EnergyBatchPlan.aggregateTask(esb, plan);
        Phase aggregatePhase = null;
        boolean cleanup = pass.cleanupPending();
        if (pass.allDone() && pass.succeeded() > 0) {
            EnergyAggregateStatus agg = status.aggregate == null ? new EnergyAggregateStatus() : status.aggregate;
            status.aggregate = agg;
            Map<String, TaskState> aggStates = new LinkedHashMap<>();
            aggStates.put(aggregate.id(), new EnergyAggregateTask(agg));
            TaskEngine.Pass aggPass = engine.run(esb, spec, spec.results.database.secretRef, EnergyBatchPlan.AGGREGATE_KIND, image,
                    List.of(aggregate), aggStates, id -> new EnergyAggregateTask(agg),
                    ReconcileSupport.ofKind(jobs, EnergyBatchPlan.AGGREGATE_KIND), podsOf(), false, events);
            cleanup |= aggPass.cleanupPending();
            aggregatePhase = agg.phase == TaskPhase.Succeeded ? Phase.Succeeded : agg.phase == TaskPhase.Failed ? Phase.Failed : Phase.Running;
        } else if (status.aggregate != null && status.aggregate.phase != TaskPhase.Running) {
            status.aggregate.phase = TaskPhase.Pending;
            status.aggregate.message = "waits for every run to finish";
        }

        String failure = null;
        if (pass.allDone() && pass.succeeded() == 0) {
            failure = "every run failed (no aggregate); first: " + (status.failures.isEmpty() ? "?" : status.failures.get(0).message);
        } else if (aggregatePhase == Phase.Failed) {
            failure = "aggregate failed: " + status.aggregate.message;
        }
        boolean degraded = pass.failed() > 0 || (status.aggregate != null && status.aggregate.phase == TaskPhase.Retrying);
        Phase before = status.phase;
        VariantCounts c = status.variants;
        Double mean = c.finishedSeconds == null || c.succeeded + c.failed == 0 ? null : c.finishedSeconds / (c.succeeded + c.failed);
        FanoutStatusAggregator.apply(status, generation, pass, aggregatePhase, failure, mean, degraded);
        if (status.phase == Phase.Succeeded && pass.failed() > 0) {
            status.message = "done: " + pass.succeeded() + " of " + pass.total() + " runs succeeded, " + pass.failed()
                    + " failed (see status.failures)";
        }
        if (status.phase != before && (status.phase == Phase.Succeeded || status.phase == Phase.Failed)) {
            events.emit(status.phase == Phase.Succeeded ? EventReason.Succeeded : EventReason.Failed, status.message);
        }
        Duration next = cleanup ? Duration.ofSeconds(1)
                : status.phase != Phase.Succeeded && status.phase != Phase.Failed ? WHILE_RUNNING
                : null;
        return ReconcileSupport.writeStatus(client, esb, statusBefore, next);
    }

    /** Writes the pass back: live runs listed, the others in the ledger, counts, the first failures, finished seconds. */
    static void record(EnergySimulationBatchStatus status, List<TaskEngine.Planned> plan, Map<String, TaskState> states,
            TaskEngine.Pass pass) {
        Map<String, String> oldFailures = new HashMap<>();
        status.failures.forEach(f -> oldFailures.put(f.id + "|" + f.specHash, f.message));
        List<VariantRun> running = new ArrayList<>();
        List<VariantRun> failures = new ArrayList<>();
        List<Map.Entry<String, TaskState>> all = new ArrayList<>();
        double seconds = status.variants.finishedSeconds == null ? 0 : status.variants.finishedSeconds;
        for (TaskEngine.Planned t : plan) {
            TaskState s = states.get(t.id());
            all.add(Map.entry(t.id(), s));
            if (s.phase() == TaskPhase.Running) {
                running.add(s instanceof VariantRunTask r ? r.s : toRun(t.id(), (TaskLedger.Entry) s));
            } else if (s.phase() == TaskPhase.Failed && failures.size() < MAX_LISTED_FAILURES) {
                VariantRun f = new VariantRun();
                f.id = t.id();
                f.phase = TaskPhase.Failed;
                f.attempts = s.attempts();
                f.specHash = s.specHash();
                f.job = s.job();
                f.message = s.message() != null ? s.message() : oldFailures.get(t.id() + "|" + s.specHash());
                failures.add(f);
            }
            if (s instanceof VariantRunTask r && r.s.startTime != null && r.s.completionTime != null
                    && (s.phase() == TaskPhase.Succeeded || s.phase() == TaskPhase.Failed)) {
                seconds += Duration.between(Instant.parse(r.s.startTime), Instant.parse(r.s.completionTime)).toMillis() / 1000.0;
            }
        }
        status.running = running;
        status.failures = failures;
        status.ledger = TaskLedger.encode(all);
        VariantCounts c = new VariantCounts();
        c.total = pass.total();
        c.succeeded = pass.succeeded();
        c.failed = pass.failed();
        c.running = pass.running();
        c.waiting = pass.waiting();
        c.finishedSeconds = Math.round(seconds * 10) / 10.0;
        status.variants = c;
    }

    private static VariantRun toRun(String id, TaskLedger.Entry e) {
        VariantRun r = new VariantRun();
        r.id = id;
        r.phase = e.phase();
        r.job = e.job();
        r.attempts = e.attempts();
        r.specHash = e.specHash();
        r.message = e.message();
        r.startTime = e.startTime();
        return r;
    }
}
