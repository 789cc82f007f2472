package dev.fanout.operator.controllers;

import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.config.FanoutConfig;
import dev.fanout.operator.crds.v1alpha1.common.FanoutSpec;
import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.RunStatus;
import dev.fanout.operator.schedule.CronSchedule;
import dev.fanout.operator.schedule.Runs;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.events.EventReason;
import dev.fanout.operator.metrics.FanoutMetrics;
import dev.fanout.operator.metrics.RecordedAfterWrite;
import dev.fanout.operator.status.FanoutStatusAggregator;
import dev.fanout.operator.tasks.JobOutcome;
import dev.fanout.operator.tasks.StatusTask;
import dev.fanout.operator.tasks.TaskEngine;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskOwner;
import dev.fanout.operator.tasks.TaskSet;
import dev.fanout.operator.tasks.TaskState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One reconcile of any fan-out resource, as a fixed sequence of steps; a kind fills in what differs (its plan, where task
 * states live in its status, when its aggregate may run, what counts as failure):
 * <ol>
 * <li>validate what the schema cannot (else Failed with every problem named, no Jobs);</li>
 * <li>start a run when one is due ({@link Runs}: the schedule, a reload request); the kind decides what runs again;</li>
 * <li>the task pass: observe, clean up, admit ({@link TaskEngine}); write the task states back to the status;</li>
 * <li>the aggregate pass, once the tasks allow it, with a window of one;</li>
 * <li>phase, progress, ETA and conditions ({@link FanoutStatusAggregator}), an Event when the resource finishes;</li>
 * <li>one status write with optimistic locking, and when to look again.</li>
 * </ol>
 * Also the wiring every kind shares: the client, the capacity planner, the operator's settings, the event sources.
 */
abstract class FanoutReconciler<R extends CustomResource<? extends FanoutSpec, S>, S extends FanoutStatus> {
    @Inject
    KubernetesClient client;

    @Inject
    CapacityPlanner planner;

    @Inject
    FanoutConfig config;

    @Inject
    FanoutMetrics metrics;

    private final Class<R> type;
    private final String taskKind;
    private final String aggregateKind;
    /** Task pods: their end frees a slot (see JobOutcome). */
    private InformerEventSource<Pod, R> pods;

    /**
     * A kind's tasks for one pass: the plan in admission order, the recorded states, how a new task's state is made, and
     * how tasks share Jobs (null: a Job each).
     */
    record Tasks(List<TaskSet.Planned> plan, Map<String, TaskState> states, Function<String, TaskState> newState, TaskSet.Packer packer) {
        Tasks(List<TaskSet.Planned> plan, Map<String, TaskState> states, Function<String, TaskState> newState) {
            this(plan, states, newState, null);
        }
    }

    FanoutReconciler(Class<R> type, String taskKind, String aggregateKind) {
        this.type = type;
        this.taskKind = taskKind;
        this.aggregateKind = aggregateKind;
    }

    /** The resource's status, made when it has none yet. */
    abstract S statusOf(R resource);

    /** What the schema cannot say (besides spec.resources, checked for every kind); empty when the spec is fine. */
    abstract List<String> problems(R resource);

    abstract SecretKeys database(R resource);

    /**
     * The plan and the recorded states of the resource's tasks.
     *
     * @param podStarted when the pod of one of the resource's Jobs (by name) started, or null while it has not
     */
    abstract Tasks tasks(R resource, String image, Function<String, Instant> podStarted);

    /** Writes the task states of this pass back into the status. */
    abstract void recordTasks(R resource, Tasks tasks, TaskEngine.Pass pass);

    /** The aggregate task, or null when this resource has none. */
    abstract TaskSet.Planned aggregateTask(R resource, List<TaskSet.Planned> plan);

    /**
     * The aggregate's result when the tasks' own Jobs already produced it (its Job is then not needed), else null. Asked
     * once the aggregate may run, while it has not run for its current spec.
     */
    TaskEngine.DoneBy aggregatedByTasks(R resource, Tasks tasks) {
        return null;
    }

    /** Whether the tasks are far enough for the aggregate to run. */
    abstract boolean aggregateMayRun(TaskEngine.Pass pass);

    /** What the aggregate waits for, as its status message says it. */
    abstract String aggregateWaitsFor();

    /** The aggregate's state in the status; made when {@code create}, else null when there is none (or it was dropped). */
    abstract StatusTask<?> aggregateState(R resource, boolean create);

    /** The resource's failure message, or null when it has not failed. */
    abstract String failure(R resource, TaskEngine.Pass pass, Phase aggregatePhase);

    /** Mean seconds of a finished task, for the ETA; null while none finished. */
    abstract Double meanTaskSeconds(R resource);

    /**
     * A new run started (by the schedule or a reload request): decide what runs again, before the tasks are planned.
     * {@code forced}: everything does, whatever changed.
     */
    abstract void startRun(R resource, RunStatus run, boolean forced, TaskOwner owner);

    /** One line on what the current run did, for status.runs. */
    abstract String runSummary(R resource, TaskEngine.Pass pass);

    /** Whether events of this reason are recorded for this kind (per-task events of a 10,000-run batch are not). */
    boolean records(EventReason reason) {
        return true;
    }

    /** A last word on the status once the aggregator set phase and message. */
    void describe(R resource, TaskEngine.Pass pass) {
    }

    public UpdateControl<R> reconcile(R resource, Context<R> context) {
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            metrics.track(taskKind, () -> context.getPrimaryCache().list());
            UpdateControl<R> control = pass(resource, context);
            ok = true;
            return control;
        } finally {
            metrics.reconciled(taskKind, System.nanoTime() - t0, !ok);
        }
    }

    private UpdateControl<R> pass(R resource, Context<R> context) {
        RecordedAfterWrite recorded = new RecordedAfterWrite(metrics);
        String before = Serialization.asJson(resource.getStatus());
        S status = statusOf(resource);
        long generation = resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
        FanoutSpec spec = resource.getSpec();
        List<String> problems = new ArrayList<>(TaskJobs.resourceProblems(spec));
        problems.addAll(problems(resource));
        if (spec.schedule != null) {
            try {
                CronSchedule.parse(spec.schedule.cron, spec.schedule.timeZone);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            FanoutStatusAggregator.apply(status, FanoutStatusAggregator.Observation.invalid(generation,
                    "invalid spec: " + String.join("; ", problems), Instant.now()));
            return writeStatus(resource, context, recorded, before, null);
        }
        String image = spec.worker != null && spec.worker.image != null ? spec.worker.image : config.worker().image();
        TaskOwner owner = new TaskOwner(resource, spec, database(resource), image, TaskJobs.resources(spec, defaultRequests()),
                ReconcileSupport.podsOf(client, pods), (reason, message) -> {
                    if (records(reason) && EventRecorder.emit(client, resource, reason, message)) {
                        metrics.apiWrite("create", "events");
                    }
                }, recorded, config.reconcile().lostJobAfter());
        List<Job> jobs = new ArrayList<>(context.getSecondaryResources(Job.class));
        TaskEngine engine = new TaskEngine(client, planner);

        Instant now = Instant.now();
        boolean going = status.phase != null && !status.phase.finished();
        Runs.Step step = Runs.step(status, spec.schedule, owner.suspended(), going,
                Instant.parse(resource.getMetadata().getCreationTimestamp()), annotation(resource, Runs.RELOAD), now);
        if (step.missed() != null) {
            owner.events().emit(EventReason.RunMissed, "scheduled time " + step.missed().scheduledTime + " missed: " + step.missed().summary);
        }
        if (step.start() != null) {
            RunStatus run = step.start();
            owner.events().emit(EventReason.RunStarted, "run " + run.number + " started (" + run.trigger
                    + (run.scheduledTime != null ? " of " + run.scheduledTime : step.forced() ? ": " + Runs.RELOAD + "=" + status.reload : "") + ")");
            startRun(resource, run, step.forced(), owner);
        }
        Tasks tasks = tasks(resource, image, ReconcileSupport.podStarts(() -> context.getSecondaryResources(Pod.class)));
        boolean rerunPending = rerunFailed(resource, status, tasks, jobs, owner);
        if (!Boolean.TRUE.equals(status.run.failedRestarted)) { // a new run: what failed in the last one runs again
            List<String> restarted = restartFailed(resource, tasks, jobs);
            rerunPending |= restarted == null;
            status.run.failedRestarted = restarted != null;
        }
        TaskEngine.Pass pass = engine.run(new TaskSet(owner, taskKind, tasks.plan(), tasks.states(), tasks.newState(),
                ReconcileSupport.ofKind(jobs, taskKind), true, tasks.packer()));
        recordTasks(resource, tasks, pass);

        boolean cleanup = pass.cleanupPending();
        Phase aggregatePhase = null;
        TaskSet.Planned aggregate = aggregateTask(resource, tasks.plan());
        if (aggregate != null && aggregateMayRun(pass)) {
            StatusTask<?> agg = aggregateState(resource, true);
            boolean ranForThisSpec = aggregate.specHash().equals(agg.specHash()) && agg.phase() != TaskPhase.Pending;
            TaskEngine.DoneBy done = ranForThisSpec ? null : aggregatedByTasks(resource, tasks);
            if (done != null) {
                TaskEngine.doneWithoutJob(owner, aggregateKind, aggregate, agg, done);
            }
            if (done == null && !ranForThisSpec && pass.finishing() > 0) {
                // The tasks' last pods have ended but hold their nodes a moment longer: the aggregate's pod would not be
                // placed yet. Their phase turning wakes this resource.
                aggregatePhase = Phase.Running;
            } else {
                Map<String, TaskState> states = new LinkedHashMap<>(Map.of(aggregate.id(), agg));
                TaskEngine.Pass aggPass = engine.run(new TaskSet(owner, aggregateKind, List.of(aggregate), states, id -> agg,
                        ReconcileSupport.ofKind(jobs, aggregateKind), false));
                cleanup |= aggPass.cleanupPending();
                aggregatePhase = agg.phase() == TaskPhase.Succeeded ? Phase.Succeeded : agg.phase() == TaskPhase.Failed ? Phase.Failed
                        : Phase.Running;
            }
        } else if (aggregate != null) {
            StatusTask<?> agg = aggregateState(resource, false);
            if (agg != null && agg.phase() != TaskPhase.Running) {
                agg.phase(TaskPhase.Pending);
                agg.message("waits for " + aggregateWaitsFor());
            }
        }

        StatusTask<?> agg = aggregateState(resource, false);
        boolean degraded = pass.failed() > 0 || pass.retrying() > 0 || agg != null && agg.phase() == TaskPhase.Retrying;
        Phase was = status.phase;
        boolean wasStalled = stalled(status);
        // A task that cannot start says why in its message (JobOutcome: unschedulable, a container that cannot be made).
        String stuck = tasks.states().values().stream().filter(s -> s.phase() == TaskPhase.Running && JobOutcome.isStuckMessage(s.message()))
                .map(TaskState::message).findFirst().orElse(null);
        FanoutStatusAggregator.apply(status, new FanoutStatusAggregator.Observation(generation, pass, aggregatePhase,
                failure(resource, pass, aggregatePhase), meanTaskSeconds(resource), degraded, stuck,
                spec.stalledAfterSeconds == null ? FanoutSpec.DEFAULTS.stalledAfterSeconds
                        : spec.stalledAfterSeconds, owner.suspended(), Instant.now()));
        describe(resource, pass);
        if (!wasStalled && stalled(status)) {
            owner.events().emit(EventReason.Stalled, status.conditions.stream().filter(c -> "Stalled".equals(c.getType())).findFirst()
                    .map(c -> c.getReason() + ": " + c.getMessage()).orElse(""));
        }
        boolean finished = status.phase != null && status.phase.finished();
        if (status.phase != was && finished) {
            owner.events().emit(status.phase == Phase.Succeeded ? EventReason.Succeeded : EventReason.Failed, status.message);
        }
        if (finished) {
            Runs.ended(status, spec.schedule, status.phase == Phase.Succeeded, runSummary(resource, pass), now);
        }
        Duration next = cleanup || rerunPending ? Duration.ofSeconds(1) // delete the Jobs whose outcome this status now holds
                : !finished ? config.reconcile().requeueWhileRunning() // a safety net: events drive progress
                : null;
        Duration untilScheduled = Runs.untilNext(status, now);
        if (untilScheduled != null && (next == null || untilScheduled.compareTo(next) < 0)) {
            next = untilScheduled;
        }
        return writeStatus(resource, context, recorded, before, next);
    }

    private UpdateControl<R> writeStatus(R resource, Context<R> context, RecordedAfterWrite recorded, String before, Duration next) {
        return ReconcileSupport.writeStatus(client, context, recorded, () -> metrics.statusConflict(taskKind), resource, before, next);
    }

    /** The annotation that asks for the tasks that failed for good to run again; any new value does. */
    static final String RERUN_FAILED = "fanout.dev/rerun-failed";

    /**
     * A new value of the rerun-failed annotation: {@link #restartFailed} (nothing else runs again), then the value is kept in
     * status.rerunFailed and an Event lists the tasks.
     *
     * @return whether the request waits for the failed tasks' Jobs to go
     */
    private boolean rerunFailed(R resource, S status, Tasks tasks, List<Job> jobs, TaskOwner owner) {
        String asked = annotation(resource, RERUN_FAILED);
        if (asked == null || asked.equals(status.rerunFailed)) {
            return false;
        }
        List<String> failed = restartFailed(resource, tasks, jobs);
        if (failed == null) {
            return true;
        }
        status.rerunFailed = asked;
        owner.events().emit(EventReason.RerunFailed, failed.isEmpty() ? RERUN_FAILED + "=" + asked + ": no task had failed"
                : RERUN_FAILED + "=" + asked + ": " + failed.size() + " failed tasks run again: "
                        + String.join(", ", failed.subList(0, Math.min(10, failed.size()))) + (failed.size() > 10 ? ", ..." : ""));
        return false;
    }

    /**
     * The tasks that failed for good start over (first attempt), and the aggregate with them. Only once every Job of those
     * tasks is gone (a failed Job is deleted the pass after its outcome is recorded), so a new attempt never meets the old
     * Job's name.
     *
     * @return the tasks restarted, or null while such Jobs are still there
     */
    private List<String> restartFailed(R resource, Tasks tasks, List<Job> jobs) {
        List<String> failed = tasks.states().entrySet().stream().filter(e -> e.getValue().phase() == TaskPhase.Failed)
                .map(Map.Entry::getKey).toList();
        boolean jobsLeft = ReconcileSupport.ofKind(jobs, taskKind).stream()
                .anyMatch(j -> TaskJobs.members(j).stream().anyMatch(m -> failed.contains(m.id())));
        if (jobsLeft) {
            return null;
        }
        failed.forEach(id -> tasks.states().get(id).restart(tasks.states().get(id).specHash()));
        StatusTask<?> agg = aggregateState(resource, false);
        if (!failed.isEmpty() && agg != null && agg.phase() != null && agg.phase() != TaskPhase.Pending) {
            // The aggregate's Job is kept after it ends (for its logs): delete it, so the rerun makes a new one.
            for (Job j : ReconcileSupport.ofKind(jobs, aggregateKind)) {
                metrics.apiWrite("delete", "jobs");
                TaskJobs.delete(client, j);
            }
            jobs.removeIf(j -> aggregateKind.equals(j.getMetadata().getLabels().get(TaskJobs.LABEL_KIND)));
            agg.restart(agg.specHash());
        }
        return failed;
    }

    private static String annotation(CustomResource<?, ?> resource, String key) {
        return resource.getMetadata().getAnnotations() == null ? null : resource.getMetadata().getAnnotations().get(key);
    }

    private static boolean stalled(FanoutStatus status) {
        return status.conditions.stream().anyMatch(c -> "Stalled".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private Map<String, Quantity> defaultRequests() {
        return Map.of("cpu", new Quantity(config.task().defaultCpuRequest()), "memory", new Quantity(config.task().defaultMemoryRequest()));
    }

    public List<EventSource<?, R>> prepareEventSources(EventSourceContext<R> context) {
        var jobs = ReconcileSupport.taskJobs(context, type, taskKind, aggregateKind);
        pods = ReconcileSupport.taskPods(context, type, taskKind, aggregateKind);
        return List.of(jobs, pods, ReconcileSupport.capacityWake(planner, taskKind));
    }

    /**
     * A reconcile that threw (a bug, or the API server refusing a write) says so in the status and an Event instead of
     * being retried in silence; the SDK retries it with backoff, and the next successful pass writes the status anew.
     */
    public ErrorStatusUpdateControl<R> updateErrorStatus(R resource, Context<R> context, Exception e) {
        String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse(""));
        String message = "reconcile failed, retrying: " + (why.length() > 500 ? why.substring(0, 500) : why);
        if (EventRecorder.emit(client, resource, EventReason.ReconcileError, message)) {
            metrics.apiWrite("create", "events");
        }
        statusOf(resource).message = message;
        return ErrorStatusUpdateControl.patchStatus(resource);
    }
}
