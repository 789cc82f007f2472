package dev.fanout.operator.controllers;

import dev.fanout.api.IndexRanges;
import dev.fanout.api.results.Results;
import dev.fanout.api.results.SourceVersion;
import dev.fanout.operator.changes.SourceCheck;
import dev.fanout.operator.crds.v1alpha1.common.RunStatus;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputFile;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputVersion;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.PackingStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.RunPack;
import dev.fanout.operator.schedule.Runs;
import dev.fanout.operator.tasks.TaskOwner;
import jakarta.inject.Inject;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergyAggregateStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantCounts;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun;
import dev.fanout.operator.events.EventReason;
import dev.fanout.operator.tasks.StatusTask;
import dev.fanout.operator.tasks.TaskEngine;
import dev.fanout.operator.tasks.TaskLedger;
import dev.fanout.operator.tasks.TaskSet;
import dev.fanout.operator.tasks.TaskState;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
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
// Not generation-aware: an annotation request (rerun-failed) changes no generation; SpecOrRequestChanged keeps the operator's
// own status writes from waking it.
@ControllerConfiguration(name = "energysimulationbatch", generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = SpecOrRequestChanged.class))
public class EnergySimulationBatchReconciler extends FanoutReconciler<EnergySimulationBatch, EnergySimulationBatchStatus>
        implements Reconciler<EnergySimulationBatch> {
    static final int MAX_LISTED_FAILURES = 20;
    /** Per-run start/success events would be thousands; failures, retries and the batch's own events are kept. */
    private static final Set<EventReason> QUIET = Set.of(EventReason.TaskStarted, EventReason.TaskSucceeded);

    @Inject
    SourceCheck sources;

    /** A ranking a pack reported with its result (its rows digest says of which rows). */
    private record PackRanking(String job, dev.fanout.api.results.AggregateResult ranking) {
    }

    /**
     * The rankings each batch's packs reported, by batch uid, newest last: the pack whose snapshot came last (of every row)
     * may be recorded a pass before another pack that ended with it, while that one's runs are not yet recorded as
     * succeeded; its ranking is matched once they are. In memory only: after a restart the aggregate Job ranks instead.
     */
    private final Map<String, java.util.Deque<PackRanking>> packRankings = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int KEPT_RANKINGS = 8;
    /** More batches than this with rankings not yet matched (deleted batches' among them): forget them all. */
    private static final int KEPT_BATCHES = 1024;

    public EnergySimulationBatchReconciler() {
        super(EnergySimulationBatch.class, EnergyBatchPlan.KIND, EnergyBatchPlan.AGGREGATE_KIND);
    }

    @Override
    EnergySimulationBatchStatus statusOf(EnergySimulationBatch resource) {
        if (resource.getStatus() == null) {
            resource.setStatus(new EnergySimulationBatchStatus());
        }
        return resource.getStatus();
    }

    @Override
    List<String> problems(EnergySimulationBatch esb) {
        return EnergyBatchPlan.problems(esb.getSpec(), EnergyBatchPlan.variants(esb.getSpec()), config.batch().maxRuns());
    }

    @Override
    SecretKeys database(EnergySimulationBatch esb) {
        return esb.getSpec().results.database.secretRef;
    }

    /** The runs: live ones from status.running, finished ones from the ledger, the rest are new. */
    @Override
    Tasks tasks(EnergySimulationBatch esb, String image, java.util.function.Function<String, java.time.Instant> podStarted) {
        EnergySimulationBatchStatus status = esb.getStatus();
        if ((esb.getSpec().schedule != null || esb.getSpec().models.size() > 1) && status.inputs.isEmpty()) {
            // What later scheduled runs compare with; the models' sizes order the plan, largest first.
            recordInputs(esb);
        }
        List<EnergyBatchPlan.Variant> variants = EnergyBatchPlan.variants(esb.getSpec());
        boolean timeEachGroup = timeEachGroup(esb);
        List<TaskSet.Planned> plan = EnergyBatchPlan.plan(esb, variants, image, timeEachGroup); // pods made only for the runs that start
        TaskLedger ledger = new TaskLedger(status.ledger, status.ledgerBlocks, plan);
        Map<String, VariantRun> live = new HashMap<>();
        status.running.forEach(r -> live.put(r.id, r));
        for (RunPack p : status.packs) {
            EnergyBatchPacker.liveRuns(p, plan).forEach(r -> live.put(r.id, r));
        }
        Map<String, TaskState> states = new LinkedHashMap<>();
        for (TaskSet.Planned t : plan) {
            TaskState s = live.containsKey(t.id()) ? new VariantRunTask(live.get(t.id())) : ledger.find(t.id(), t.specHash());
            if (s != null) {
                states.put(t.id(), s);
            }
        }
        return new Tasks(plan, states, id -> new TaskLedger.Entry(),
                new EnergyBatchPacker(esb, variants, states, image, timeEachGroup, podStarted));
    }

    /** Whether this batch's runs are timed per model and weather file: it has several, and the operator is set to. */
    private boolean timeEachGroup(EnergySimulationBatch esb) {
        return config.batch().timeEachModel() && EnergyBatchPlan.severalGroups(esb.getSpec());
    }

    @Override
    void recordTasks(EnergySimulationBatch esb, Tasks tasks, TaskEngine.Pass pass) {
        record(esb.getStatus(), tasks.plan(), tasks.states(), pass, timeEachGroup(esb));
        keepPackRankings(esb, tasks);
        if (tasks.packer() instanceof EnergyBatchPacker p && p.lastSize() != null
                && (esb.getStatus().packing != null || p.lastSize() > 1)) { // design-day runs are packed before any is timed
            if (esb.getStatus().packing == null) {
                esb.getStatus().packing = new PackingStatus();
            }
            // The size packs get; the batch's last few runs, shared out one per slot, do not make it 1 once runs were packed.
            Integer was = esb.getStatus().packing.runsPerJob;
            if (p.lastSize() > 1 || was == null || was <= 1) {
                esb.getStatus().packing.runsPerJob = p.lastSize();
            }
        }
    }

    @Override
    TaskSet.Planned aggregateTask(EnergySimulationBatch esb, List<TaskSet.Planned> plan) {
        return EnergyBatchPlan.aggregateTask(esb, plan);
    }

    /** The rankings of the packs recorded in this pass, kept for {@link #aggregatedByTasks}. */
    private void keepPackRankings(EnergySimulationBatch esb, Tasks tasks) {
        java.util.Deque<PackRanking> kept = null;
        for (TaskState s : tasks.states().values()) {
            if (s instanceof VariantRunTask r && r.jobRanking != null && r.jobRanking.rowsDigest() != null) {
                if (kept == null) {
                    if (packRankings.size() >= KEPT_BATCHES) {
                        packRankings.clear();
                    }
                    kept = packRankings.computeIfAbsent(esb.getMetadata().getUid(), k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
                }
                String job = r.job();
                if (kept.stream().noneMatch(k -> k.job().equals(job))) { // a pack's runs all carry its ranking
                    kept.addLast(new PackRanking(job, r.jobRanking));
                    if (kept.size() > KEPT_RANKINGS) {
                        kept.removeFirst();
                    }
                }
            }
        }
    }

    /**
     * The ranking a pack made after its rows were in (it started when no run waited, see EnergyBatchPlan#pack), when it is
     * of exactly the rows of the batch's succeeded runs as they are now (its {@link dev.fanout.api.results.RowsDigest}):
     * then the aggregate Job would rank the same rows, and is not needed. Packs ending together rank concurrently: the one
     * whose snapshot came last saw every other's rows, so one of them matches, whichever pass recorded it (the rankings
     * are kept until then); if none does (a row left of a run no longer in the spec, a CSV to write...), the aggregate
     * Job runs as always.
     */
    @Override
    TaskEngine.DoneBy aggregatedByTasks(EnergySimulationBatch esb, Tasks tasks) {
        if (!(tasks.packer() instanceof EnergyBatchPacker packer)) {
            return null;
        }
        java.util.Deque<PackRanking> kept = packRankings.remove(esb.getMetadata().getUid()); // asked once the runs are done
        if (kept == null) {
            return null;
        }
        String expected = packer.rowsDigest(tasks.plan());
        for (java.util.Iterator<PackRanking> it = kept.descendingIterator(); it.hasNext(); ) {
            PackRanking k = it.next();
            if (expected.equals(k.ranking().rowsDigest())) {
                return new TaskEngine.DoneBy(k.job(), Results.toJson(k.ranking()),
                        "ranked by the batch's last pack (job " + k.job() + ") once its rows were in: no aggregate Job needed");
            }
        }
        return null;
    }

    @Override
    boolean aggregateMayRun(TaskEngine.Pass pass) {
        return pass.allDone() && pass.succeeded() > 0;
    }

    @Override
    String aggregateWaitsFor() {
        return "every run to finish";
    }

    @Override
    StatusTask<?> aggregateState(EnergySimulationBatch esb, boolean create) {
        EnergySimulationBatchStatus st = esb.getStatus();
        if (st.aggregate == null && create) {
            st.aggregate = new EnergyAggregateStatus();
        }
        return st.aggregate == null ? null : new EnergyAggregateTask(st.aggregate);
    }

    @Override
    String failure(EnergySimulationBatch esb, TaskEngine.Pass pass, Phase aggregatePhase) {
        EnergySimulationBatchStatus status = esb.getStatus();
        if (pass.allDone() && pass.succeeded() == 0) {
            return "every run failed (no aggregate); first: " + (status.failures.isEmpty() ? "?" : status.failures.get(0).message);
        }
        return aggregatePhase == Phase.Failed ? "aggregate failed: " + status.aggregate.message : null;
    }

    @Override
    Double meanTaskSeconds(EnergySimulationBatch esb) {
        VariantCounts c = esb.getStatus().variants;
        return c.finishedSeconds == null || c.succeeded + c.failed == 0 ? null : c.finishedSeconds / (c.succeeded + c.failed);
    }

    /** The batch's input files (model/<name>, weather/<name>); only URL files are asked for their validators. */
    private void recordInputs(EnergySimulationBatch esb) {
        List<InputVersion> inputs = new ArrayList<>();
        for (var e : inputFiles(esb).entrySet()) {
            InputVersion v = new InputVersion();
            v.input = e.getKey();
            v.url = e.getValue().url;
            if (v.url != null) {
                remember(v, sources.current(v.url));
            }
            inputs.add(v);
        }
        esb.getStatus().inputs = inputs;
    }

    /** The validators the server sent now (none when it could not be asked). */
    private static void remember(InputVersion v, SourceVersion.FileVersion now) {
        v.etag = now == null ? null : now.etag();
        v.lastModified = now == null ? null : now.lastModified();
        v.length = now == null ? null : now.length();
    }

    private static Map<String, InputFile> inputFiles(EnergySimulationBatch esb) {
        Map<String, InputFile> out = new LinkedHashMap<>();
        esb.getSpec().models.forEach(m -> out.put("model/" + m.name, m));
        esb.getSpec().weather.forEach(w -> out.put("weather/" + w.name, w));
        return out;
    }

    /**
     * A scheduled run asks the server of each URL input whether it changed: a changed file (or one that cannot be checked)
     * gets a new revision, so the runs using it are simulated again; the others are not (their results stand). ConfigMap
     * and volume inputs are not checked. A reload request gives every input a new revision: everything runs again.
     */
    @Override
    void startRun(EnergySimulationBatch esb, RunStatus run, boolean forced, TaskOwner owner) {
        EnergySimulationBatchStatus st = esb.getStatus();
        if (st.inputs.isEmpty()) {
            recordInputs(esb);
        }
        for (InputVersion v : st.inputs) {
            if (forced) {
                v.revision = Runs.revision(run, true);
                continue;
            }
            if (v.url == null) {
                continue;
            }
            SourceVersion.FileVersion recorded = new SourceVersion.FileVersion(v.url, v.etag, v.lastModified, v.length, null);
            SourceCheck.Result check = sources.check(recorded);
            if (check.verdict() != SourceCheck.Verdict.UNCHANGED) {
                v.revision = Runs.revision(run, false);
                // What the check's HEAD got; only with nothing recorded (no conditional request was sent) ask again.
                remember(v, recorded.hasValidator() ? check.current() : sources.current(v.url));
                owner.events().emit(EventReason.SpecChanged, "input " + v.input + ": " + check.reason() + "; its runs run again");
            }
        }
    }

    @Override
    String runSummary(EnergySimulationBatch esb, TaskEngine.Pass pass) {
        EnergySimulationBatchStatus st = esb.getStatus();
        List<String> changed = st.inputs.stream().filter(i -> Runs.revision(st.run, false).equals(i.revision)
                || Runs.revision(st.run, true).equals(i.revision)).map(i -> i.input).toList();
        return pass.total() + " runs: " + pass.succeeded() + " succeeded, " + pass.failed() + " failed"
                + (st.run.number != null && st.run.number > 1 ? "; inputs run again: " + (changed.isEmpty() ? "none" : String.join(", ", changed)) : "");
    }

    @Override
    boolean records(EventReason reason) {
        return !QUIET.contains(reason);
    }

    @Override
    void describe(EnergySimulationBatch esb, TaskEngine.Pass pass) {
        EnergySimulationBatchStatus status = esb.getStatus();
        if (status.phase == Phase.Succeeded && pass.failed() > 0) {
            status.message = "done: " + pass.succeeded() + " of " + pass.total() + " runs succeeded, " + pass.failed()
                    + " failed (see status.failures)";
        }
    }

    /** Writes the pass back: live runs listed, the others in the ledger, counts, the first failures, finished seconds. */
    static void record(EnergySimulationBatchStatus status, List<TaskSet.Planned> plan, Map<String, TaskState> states,
            TaskEngine.Pass pass, boolean timeEachGroup) {
        Map<String, String> oldFailures = new HashMap<>();
        status.failures.forEach(f -> oldFailures.put(f.id + "|" + f.specHash, f.message));
        Map<String, List<Integer>> runningByJob = new LinkedHashMap<>(); // a Job's live runs, by place in the plan
        List<VariantRun> failures = new ArrayList<>();
        double seconds = status.variants.finishedSeconds == null ? 0 : status.variants.finishedSeconds;
        for (int i = 0; i < plan.size(); i++) {
            TaskSet.Planned t = plan.get(i);
            TaskState s = states.get(t.id());
            if (s.phase() == TaskPhase.Running) {
                runningByJob.computeIfAbsent(s.job() == null ? "run:" + t.id() : s.job(), j -> new ArrayList<>()).add(i);
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
        }
        for (List<VariantRunTask> ended : EnergyBatchPacker.endedJobs(states.values()).values()) {
            seconds += EnergyBatchPacker.seconds(ended.get(0)); // a pack's runs ended together: its time once
        }
        status.packing = EnergyBatchPacker.withEnded(status.packing, states.values(), timeEachGroup);
        // Runs alone are listed; a pack is one entry naming its runs by place, whatever its size.
        List<VariantRun> running = new ArrayList<>();
        List<RunPack> packs = new ArrayList<>();
        for (List<Integer> places : runningByJob.values()) {
            if (places.size() == 1) {
                TaskSet.Planned t = plan.get(places.get(0));
                TaskState s = states.get(t.id());
                running.add(s instanceof VariantRunTask r ? r.s : toRun(t.id(), (TaskLedger.Entry) s));
            } else {
                TaskState first = states.get(plan.get(places.get(0)).id());
                RunPack p = new RunPack();
                p.job = first.job();
                p.runs = IndexRanges.format(places);
                p.specHash = EnergyBatchPacker.packHash(places.stream().map(plan::get).toList());
                p.startTime = first.startTime();
                p.message = first.message();
                packs.add(p);
            }
        }
        status.running = running;
        status.packs = packs;
        status.failures = failures;
        TaskLedger.Encoded ledger = TaskLedger.encode(plan, states);
        status.ledger = ledger.entries();
        status.ledgerBlocks = ledger.blocks();
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
