package dev.fanout.operator.controllers;

import dev.fanout.api.IndexRanges;
import dev.fanout.api.results.RowsDigest;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.GroupTiming;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputFile;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.PackingSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.PackingStatus;
import dev.fanout.operator.tasks.TaskSet;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.RunPack;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs an EnergySimulationBatch's runs: how many go to one Job, from the times its finished Jobs took (status.packing),
 * and the pod of a pack (EnergyBatchPlan.pack).
 */
final class EnergyBatchPacker implements TaskSet.Packer {
    /** A Job's own overhead may be at most this share of its time. */
    static final double OVERHEAD_SHARE = 0.05;
    /** Runs alone at once while no Job was timed: enough to time a run, few enough not to fill a large window with them. */
    static final int PROBES = 4;
    /**
     * A pack holds at least this many seconds of runs (as far as the even share allows; longer runs go alone).
     * Every Job costs the control plane several writes (the Job controller's are rate limited, 20/s by default), and the
     * overhead timed on the first Jobs, started while the cluster was idle, says nothing of a window of hundreds starting at
     * once; fewer, longer Jobs keep that queue short. Five minutes of runs is little to run again should a pack's pod die.
     */
    static final double PACK_SECONDS = 300;
    /**
     * Pods a second the Job controller starts at its default API rate (20 writes/s, a few per Job), as measured on the
     * test bed (dev/bench/scale.sh: about 7). A wave of Jobs made at once gets its pods over window / this many seconds,
     * so each of its slots waits half that on average: Job overhead that the first Jobs, timed alone, cannot show.
     */
    static final double JOB_CONTROLLER_PODS_PER_SECOND = 7;

    /**
     * Batches of at most this many runs rank in every pack, not only in those started when no run waited: a ranking reads
     * the batch's rows (milliseconds for a few thousand), and a small batch is where the aggregate's pod weighs most, so
     * whichever pack ends last has ranked (one started while runs waited may end last: a slot that took longer to start).
     * A larger batch ranks only in packs that may end it, so that its hundreds of packs do not each read every row.
     */
    static final int RANK_IN_EVERY_PACK_UP_TO = 2_000;

    /** What a run of the plan is made of: a pack needs them to build its pod. */
    record Run(InputFile model, InputFile weather, EnergyBatchPlan.Variant variant) {
    }

    private final EnergySimulationBatch esb;
    private final List<EnergyBatchPlan.Variant> variants;
    private final Map<String, TaskState> states;
    private final String workerImage;
    private final boolean timeEachGroup;
    private final java.util.function.Function<String, Instant> podStarted;
    private Map<String, Run> runs; // made when a pod is first needed
    private PackingStatus measured; // the recorded means with this pass's ended Jobs: made once, when first asked
    private boolean measuredMade;
    private Integer lastSize;
    private Integer runsLeft; // made once a pass, when a pack is first sized
    private Double secondsLeft; // the same, for runs of several lengths

    /** With no pod started: every running Job has all its runs left. */
    EnergyBatchPacker(EnergySimulationBatch esb, List<EnergyBatchPlan.Variant> variants, Map<String, TaskState> states, String workerImage) {
        this(esb, variants, states, workerImage, esb != null && EnergyBatchPlan.severalGroups(esb.getSpec()), job -> null);
    }

    /**
     * @param timeEachGroup runs are timed per model and weather (status.packing.groups), and packs sized by those times
     * @param podStarted when a Job's pod started (null: not yet), which is when its runs began, not when the Job was made
     */
    EnergyBatchPacker(EnergySimulationBatch esb, List<EnergyBatchPlan.Variant> variants, Map<String, TaskState> states, String workerImage,
            boolean timeEachGroup, java.util.function.Function<String, Instant> podStarted) {
        this.timeEachGroup = timeEachGroup;
        this.podStarted = podStarted;
        this.esb = esb;
        this.variants = variants;
        this.states = states;
        this.workerImage = workerImage;
    }

    private Run run(String id) {
        if (runs == null) {
            runs = EnergyBatchPlan.runs(esb.getSpec(), variants);
        }
        return runs.get(id);
    }

    /**
     * The {@link RowsDigest} of the rows the batch's succeeded runs wrote (model, weather, variant, the run's spec hash): a
     * ranking of exactly those rows is the batch's as it is now.
     */
    String rowsDigest(List<TaskSet.Planned> plan) {
        RowsDigest d = new RowsDigest();
        for (TaskSet.Planned t : plan) {
            TaskState s = states.get(t.id());
            if (s != null && (s.phase() == TaskPhase.Succeeded || s.phase() == TaskPhase.Unchanged)) {
                Run r = run(t.id());
                d.add(r.model().name, r.weather().name, r.variant().id(), t.specHash());
            }
        }
        return d.toString();
    }

    /** The means with the Jobs that ended in this very pass (observed before admission), so the next wave is packed at once. */
    private PackingStatus measured() {
        if (!measuredMade) {
            measured = withEnded(esb.getStatus().packing, states.values(), timeEachGroup);
            measuredMade = true;
        }
        return measured;
    }

    /** spec.packing.maxRunsPerJob with its default. */
    private int cap() {
        PackingSpec spec = esb.getSpec().packing == null ? new PackingSpec() : esb.getSpec().packing;
        return spec.maxRunsPerJob == null ? new PackingSpec().maxRunsPerJob : spec.maxRunsPerJob;
    }

    @Override
    public int size(String packKey, int waiting, int running, int window, int place, int starting) {
        int even = size(packKey, waiting, running, window);
        Double run = timedRunSeconds(packKey);
        if (even <= 1 || starting <= 1 || run == null) {
            return even;
        }
        // A wave's pods start over starting / pace seconds, in the order its Jobs were made: the first gets the runs the
        // last cannot do in time, so that they end together (the sizes still add up to the wave's share-out).
        int jobs = Math.min(starting, (int) Math.ceil(waiting / (double) even));
        if (place >= jobs) {
            return even;
        }
        double ahead = ((jobs - 1) / 2.0 - place) / JOB_CONTROLLER_PODS_PER_SECOND;
        lastSize = (int) Math.max(1, Math.min(Math.min(cap(), waiting), even + Math.round(ahead / run)));
        return lastSize;
    }

    /** The even-share size: the same for every Job of a pass. */
    int size(String packKey, int waiting, int running, int window) {
        PackingStatus m = measured();
        Double run = timedRunSeconds(packKey);
        if (run == null) {
            // Nothing timed yet: runs go alone to be timed, unless they are short anyway (then an even share at once).
            lastSize = !shortByConstruction() ? 1
                    : (int) Math.max(1, Math.min(Math.min(cap(), Math.ceil((waiting + running) / (double) Math.max(1, window))), waiting));
        } else if (!timeEachGroup || m.groups == null || m.groups.isEmpty()) {
            if (runsLeft == null) { // as this pass began: the packs it starts are part of the same share-out
                runsLeft = runsLeft(m, Instant.now());
            }
            lastSize = size(m, cap(), waiting, runsLeft, window);
        } else {
            // Runs of several lengths: the even share is one of seconds, in runs of this pack's own length.
            if (secondsLeft == null) {
                secondsLeft = secondsLeft(m, Instant.now());
            }
            lastSize = size(run, m.overheadSeconds, cap(), secondsLeft / Math.max(1, window) / run, waiting, window);
        }
        return lastSize;
    }

    /** The seconds this pack key's runs are sized with: its group's or the batch's mean; null while no Job was timed. */
    private Double timedRunSeconds(String packKey) {
        PackingStatus m = measured();
        if (m == null || m.runSeconds == null || m.overheadSeconds == null || m.runSeconds <= 0) {
            return null;
        }
        return timeEachGroup && m.groups != null && !m.groups.isEmpty() ? runSeconds(m, packKey) : m.runSeconds;
    }

    /** A run's expected seconds: its model and weather's measured mean, else the batch's. */
    private static double runSeconds(PackingStatus m, String group) {
        if (m.groups != null) {
            for (GroupTiming g : m.groups) {
                if (group.equals(EnergyBatchPlan.group(g.model, g.weather)) && g.runSeconds != null && g.runSeconds > 0) {
                    return g.runSeconds;
                }
            }
        }
        return m.runSeconds;
    }

    /**
     * The runs the running Jobs still have to do, by the measured times: a pack of 157 runs of 2 s whose pod started its
     * runs 100 s ago has 107 left. A slot that frees up gets a share of what is left to do, not of runs that packs about to
     * end already hold (that would make its pack outlast them all). Counted from the pod's start, not the Job's: a wave of
     * hundreds of Jobs made at once gets its pods over a minute (the Job controller's pace), and a pack counted from its
     * Job would look further on than it is, so the packs after it would all be sized alike and end as staggered.
     */
    int runsLeft(PackingStatus m, Instant now) {
        return (int) Math.ceil(secondsRunning(m, now, Map.of()) / m.runSeconds - 1e-9);
    }

    /** Seconds of runs left: those of the running Jobs, and the first attempts waiting, each at its own length. */
    double secondsLeft(PackingStatus m, Instant now) {
        Map<String, Double> byGroup = new HashMap<>();
        Map<String, Integer> waiting = new HashMap<>();
        for (var e : states.entrySet()) {
            if (e.getValue().phase() == TaskPhase.Pending) {
                waiting.merge(EnergyBatchPlan.groupOf(e.getKey()), 1, Integer::sum);
            }
        }
        double left = 0;
        for (var w : waiting.entrySet()) {
            left += w.getValue() * byGroup.computeIfAbsent(w.getKey(), g -> runSeconds(m, g));
        }
        for (var e : states.entrySet()) {
            if (e.getValue().phase() == TaskPhase.Running) {
                byGroup.computeIfAbsent(EnergyBatchPlan.groupOf(e.getKey()), g -> runSeconds(m, g));
            }
        }
        return left + secondsRunning(m, now, byGroup);
    }

    /** Seconds the running Jobs still have to run: each run at its group's length (else the batch's mean), from its pod's start. */
    private double secondsRunning(PackingStatus m, Instant now, Map<String, Double> runSecondsByGroup) {
        Map<String, Double> workOf = new HashMap<>();
        for (var e : states.entrySet()) {
            TaskState s = e.getValue();
            if (s.phase() == TaskPhase.Running && s.job() != null) {
                double run = runSecondsByGroup.isEmpty() ? m.runSeconds
                        : runSecondsByGroup.getOrDefault(EnergyBatchPlan.groupOf(e.getKey()), m.runSeconds);
                workOf.merge(s.job(), run, Double::sum);
            }
        }
        double left = 0;
        for (var job : workOf.entrySet()) {
            // The measured overhead is not taken off: it is timed from the Job's creation, so it holds the controller's
            // queue too; what a pod spends before its first run (seconds) is small beside a pack's minutes.
            Instant began = podStarted.apply(job.getKey());
            double ran = began == null ? 0 : Duration.between(began, now).toMillis() / 1000.0;
            left += Math.min(job.getValue(), Math.max(0, job.getValue() - ran));
        }
        return left;
    }

    /**
     * Design-day runs simulate two days, not 8,760 hours: seconds to a few minutes even for large models, so they are packed
     * from the first Job on instead of being timed alone first (which costs every slot a Job's overhead more).
     */
    private boolean shortByConstruction() {
        return esb != null && EnergyBatchPlan.shortByConstruction(esb.getSpec());
    }

    @Override
    public int jobsWhileUnmeasured() {
        PackingStatus m = measured();
        // A run that ended without a timing (it failed, or its image reports none) lifts the limit: runs then go alone.
        boolean endedUntimed = states.values().stream().anyMatch(s -> s.phase().done());
        return cap() <= 1 || endedUntimed || shortByConstruction() || m != null && m.runSeconds != null && m.overheadSeconds != null ? Integer.MAX_VALUE : PROBES;
    }

    /** The size this pass packed with, or null when it started nothing. */
    Integer lastSize() {
        return lastSize;
    }

    /** The Jobs that ended with this pass, by name: a pack's runs together. */
    static Map<String, List<VariantRunTask>> endedJobs(Collection<TaskState> states) {
        Map<String, List<VariantRunTask>> out = new LinkedHashMap<>();
        for (TaskState s : states) {
            if (s instanceof VariantRunTask r && r.s.startTime != null && r.s.completionTime != null
                    && (s.phase() == TaskPhase.Succeeded || s.phase() == TaskPhase.Failed)) {
                out.computeIfAbsent(r.s.job, j -> new ArrayList<>()).add(r);
            }
        }
        return out;
    }

    /** Seconds from a Job's start to its end as recorded (second resolution). */
    static double seconds(VariantRunTask r) {
        return Duration.between(Instant.parse(r.s.startTime), Instant.parse(r.s.completionTime)).toMillis() / 1000.0;
    }

    /** The measurements with the Jobs that ended in this pass taken in (a copy; the recorded ones are not changed). */
    static PackingStatus withEnded(PackingStatus recorded, Collection<TaskState> states, boolean timeEachGroup) {
        PackingStatus out = new PackingStatus();
        if (recorded != null) {
            out.runSeconds = recorded.runSeconds;
            out.overheadSeconds = recorded.overheadSeconds;
            out.runsPerJob = recorded.runsPerJob;
            if (recorded.groups != null) {
                out.groups = new ArrayList<>(recorded.groups.stream().map(EnergyBatchPacker::copy).toList());
            }
        }
        boolean any = recorded != null;
        for (List<VariantRunTask> ended : endedJobs(states).values()) {
            VariantRunTask r = ended.get(0);
            if (r.jobEngineSeconds != null && r.jobRuns == ended.size()) {
                measured(out, seconds(r), r.jobEngineSeconds, r.jobRuns);
                if (timeEachGroup && r.s.id != null) {
                    measured(out, r.s.id, r.jobEngineSeconds / Math.max(1, r.jobRuns));
                }
                any = true;
            }
        }
        return any ? out : null;
    }

    /** Takes one Job's seconds per run into its model and weather's timing: the first stays, the mean moves. */
    static void measured(PackingStatus into, String runId, double runSeconds) {
        String[] parts = EnergyBatchPlan.modelAndWeather(runId);
        if (into.groups == null) {
            into.groups = new ArrayList<>();
        }
        GroupTiming g = into.groups.stream().filter(t -> t.model.equals(parts[0]) && t.weather.equals(parts[1])).findFirst().orElse(null);
        if (g == null) {
            g = new GroupTiming();
            g.model = parts[0];
            g.weather = parts[1];
            g.firstRunSeconds = round(runSeconds);
            into.groups.add(g);
        }
        g.runSeconds = round(g.runSeconds == null ? runSeconds : (g.runSeconds + runSeconds) / 2);
    }

    private static GroupTiming copy(GroupTiming g) {
        GroupTiming c = new GroupTiming();
        c.model = g.model;
        c.weather = g.weather;
        c.firstRunSeconds = g.firstRunSeconds;
        c.runSeconds = g.runSeconds;
        return c;
    }

    /**
     * Alone until a Job was timed; then enough runs that the Job's overhead (with the Job controller's queue under a wave
     * as large as the window) is at most {@value #OVERHEAD_SHARE} of its time, and at least {@value #PACK_SECONDS} s of
     * runs (the overhead timed on an idle cluster may even read 0); but no more than the cap, nor than an even share of the
     * runs left (waiting and running) over the window's slots, cut into whole packs: a large pack must not leave other
     * slots idle at the end.
     */
    static int size(PackingStatus measured, int cap, int waiting, int running, int window) {
        if (cap <= 1 || measured == null || measured.runSeconds == null || measured.overheadSeconds == null || measured.runSeconds <= 0) {
            return 1;
        }
        return size(measured.runSeconds, measured.overheadSeconds, cap, (waiting + running) / (double) Math.max(1, window), waiting, window);
    }

    /** The same for runs of {@code run} seconds, {@code evenShare} of them being an even share of what is left per slot. */
    static int size(double run, double overhead, int cap, double evenShare, int waiting, int window) {
        if (cap <= 1) {
            return 1;
        }
        // The overhead with the Job controller's queue under a wave as large as the window (mostly 0 for small windows):
        // 320 slots wait some 23 s each, so 2 s runs go 218 to a pack (one wave of 313 a slot rather than two of 157,
        // whose second wave would wait in that queue again).
        double queue = Math.max(1, window) / (2 * JOB_CONTROLLER_PODS_PER_SECOND);
        double enough = Math.ceil((overhead + queue) * (1 - OVERHEAD_SHARE) / OVERHEAD_SHARE / run);
        double wanted = Math.max(1, Math.max(enough, Math.floor(PACK_SECONDS / run)));
        double share = Math.ceil(evenShare - 1e-9);
        // The share in whole packs of at least the wanted size: 313 runs a slot at 150 wanted are two packs of 157, not two
        // of 150 and a wave of 13 more Jobs at the end.
        double even = Math.ceil(share / Math.max(1, Math.floor(share / wanted)));
        return (int) Math.max(1, Math.min(Math.min(cap, even), Math.min(waiting, share)));
    }

    @Override
    public TaskSet.Planned alone(TaskSet.Planned t) {
        return EnergyBatchPlan.pod(esb, t, run(t.id()), workerImage);
    }

    @Override
    public TaskSet.Planned pack(List<TaskSet.Planned> members, boolean mayEnd) {
        Run first = run(members.get(0).id());
        return EnergyBatchPlan.pack(esb, first.model(), first.weather(), members.stream().map(m -> run(m.id()).variant()).toList(),
                members.stream().map(TaskSet.Planned::specHash).toList(), mayEnd || states.size() <= RANK_IN_EVERY_PACK_UP_TO, workerImage);
    }

    /**
     * Takes what one Job measured into the means: its wall time, the engine seconds of its runs. The mean is a moving one
     * (half the last Job), so it follows a batch whose runs get longer or shorter.
     */
    static void measured(PackingStatus into, double jobSeconds, double engineSeconds, int runs) {
        double run = engineSeconds / Math.max(1, runs);
        double overhead = Math.max(0, jobSeconds - engineSeconds);
        into.runSeconds = round(into.runSeconds == null ? run : (into.runSeconds + run) / 2);
        into.overheadSeconds = round(into.overheadSeconds == null ? overhead : (into.overheadSeconds + overhead) / 2);
    }

    /**
     * The runs of a live pack as the status recorded it, as live runs again: only when its places still name the same
     * runs with the same specs (the fingerprint). Otherwise none: the runs still in the pack's Job are found by its
     * annotation and adopted, like any Job created before a restart.
     */
    static List<VariantRun> liveRuns(RunPack p, List<TaskSet.Planned> plan) {
        List<Integer> places = IndexRanges.parse(p.runs);
        if (places.isEmpty() || places.stream().anyMatch(i -> i >= plan.size())) {
            return List.of();
        }
        List<TaskSet.Planned> runs = places.stream().map(plan::get).toList();
        if (!packHash(runs).equals(p.specHash)) {
            return List.of();
        }
        return runs.stream().map(t -> {
            VariantRun r = new VariantRun();
            r.id = t.id();
            r.phase = TaskPhase.Running;
            r.job = p.job;
            r.attempts = 1; // only first attempts are packed
            r.specHash = t.specHash();
            r.startTime = p.startTime;
            r.message = p.message;
            return r;
        }).toList();
    }

    static String packHash(List<TaskSet.Planned> runs) {
        return TaskJobs.packHash(runs.stream().map(t -> new TaskJobs.Member(t.id(), t.specHash())).toList());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
