package dev.fanout.operator.tasks;

import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.capacity.TaskShape;
import dev.fanout.operator.crds.v1alpha1.common.FanoutSpec;
import dev.fanout.operator.crds.v1alpha1.common.ParallelismSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The fan-out machinery every kind of resource shares: observe task Jobs and record their outcomes, retry failed attempts
 * with new Jobs, delete finished Jobs once their outcome is recorded, and admit waiting tasks into the capacity window.
 * Everything is derived from the recorded task states and the Jobs that exist, so a restarted operator picks up where it
 * was: a Job it created but did not record is adopted, never created twice; a recorded task never runs again.
 */
public final class TaskEngine {
    private static final Logger LOG = Logger.getLogger(TaskEngine.class);

    /** One planned task: its id, the fingerprint of its spec, the worker arguments and what else its pod has. */
    public record Planned(String id, String specHash, List<String> args, TaskJobs.Layout layout) {
        public Planned(String id, String specHash, List<String> args) {
            this(id, specHash, args, TaskJobs.Layout.WORKER_ONLY);
        }
    }

    /** Notable moments, for Kubernetes Events. */
    public interface Events {
        void emit(EventReason reason, String message);
    }

    /** What one pass did and saw. */
    public record Pass(int total, int succeeded, int failed, int running, int waiting, int window, boolean cleanupPending,
            List<String> failedMessages) {
        public boolean allDone() {
            return succeeded + failed == total;
        }
    }

    private final KubernetesClient client;
    private final CapacityPlanner planner;

    public TaskEngine(KubernetesClient client, CapacityPlanner planner) {
        this.client = client;
        this.planner = planner;
    }

    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * One reconcile pass over a set of tasks.
     *
     * @param states  recorded states by task id; states of tasks no longer planned are removed, new ones added
     * @param newState makes the state of a task seen for the first time
     * @param jobs     the Jobs of this owner and kind (any task, any attempt)
     * @param podsOf   the pods of a Job (from a cache: asked for every Job on every pass)
     * @param capacity whether the window comes from the capacity planner (task fan-out) or is 1 (an aggregate)
     */
    public Pass run(HasMetadata owner, FanoutSpec spec, SecretKeys db, String kind, String image, List<Planned> plan,
            Map<String, TaskState> states, Function<String, TaskState> newState, List<Job> jobs, Function<Job, List<Pod>> podsOf,
            boolean capacity, Events events) {
        int maxAttempts = spec.retry == null || spec.retry.maxAttempts == null ? 3 : spec.retry.maxAttempts;
        Map<String, List<Job>> byTask = jobs.stream().collect(Collectors.groupingBy(j -> label(j, TaskJobs.LABEL_TASK)));
        Set<String> planned = plan.stream().map(Planned::id).collect(Collectors.toSet());
        states.keySet().removeIf(id -> !planned.contains(id));
        boolean cleanupPending = false;
        List<String> failures = new ArrayList<>();
        Set<String> recordedNow = new java.util.HashSet<>();

        for (Planned t : plan) {
            TaskState s = states.computeIfAbsent(t.id(), newState);
            if (s.specHash() == null || !s.specHash().equals(t.specHash())) {
                if (s.specHash() != null) {
                    events.emit(EventReason.SpecChanged, "task " + t.id() + ": spec changed, it runs again");
                }
                s.specHash(t.specHash());
                s.phase(TaskPhase.Pending);
                s.attempts(0);
                s.job(null);
                s.message(null);
                s.startTime(null);
                s.completionTime(null);
                s.clearResult();
            }
            List<Job> current = byTask.getOrDefault(t.id(), List.of()).stream()
                    .filter(j -> t.specHash().equals(label(j, TaskJobs.LABEL_SPEC))).toList();
            Job latest = current.stream().max(Comparator.comparingInt(TaskEngine::attemptOf)).orElse(null);
            if (latest != null && attemptOf(latest) > s.attempts()) {
                // Created before a restart but never recorded: adopt it instead of creating another.
                s.attempts(attemptOf(latest));
                s.job(latest.getMetadata().getName());
                s.phase(TaskPhase.Running);
                s.startTime(latest.getMetadata().getCreationTimestamp());
            }
            if (latest != null && s.phase() == TaskPhase.Running && latest.getMetadata().getName().equals(s.job())) {
                record(t, s, JobOutcome.of(latest, podsOf.apply(latest)), maxAttempts, events);
                if (s.phase() != TaskPhase.Running) {
                    recordedNow.add(latest.getMetadata().getName());
                }
            }
            if (s.phase() == TaskPhase.Failed && s.message() != null) {
                failures.add(t.id() + ": " + s.message());
            }
        }
        // Finished Jobs whose outcome was recorded by an earlier pass (so it is persisted), Jobs of changed specs and of
        // tasks no longer planned: delete them (their pods go with them). The aggregate's Job (one per resource, no
        // capacity window) stays until the resource goes or its spec changes, so `kubectl logs job/<name>` shows its run.
        for (Job j : jobs) {
            String task = label(j, TaskJobs.LABEL_TASK);
            TaskState s = states.get(task);
            boolean stale = s == null || !s.specHash().equals(label(j, TaskJobs.LABEL_SPEC));
            boolean over = finished(j) || (!stale && JobOutcome.over(j, podsOf.apply(j)));
            boolean recorded = !stale && over && !recordedNow.contains(j.getMetadata().getName()) && recordedIn(j, s);
            if (stale || recorded && capacity) {
                delete(j);
            } else if (over && !recorded) {
                cleanupPending = true; // recorded in this pass: deleted in the next, once the status is written
            }
        }

        List<TaskState> waiting = new ArrayList<>();
        int running = 0;
        int succeeded = 0;
        int failed = 0;
        for (Planned t : plan) {
            TaskState s = states.get(t.id());
            switch (s.phase()) {
                case Running -> running++;
                case Succeeded -> succeeded++;
                case Failed -> failed++;
                default -> waiting.add(s);
            }
        }
        int window = 1;
        if (capacity && waiting.isEmpty() && running == 0) {
            planner.release(ownerKey(owner, kind)); // all done: its demand no longer counts
        } else if (capacity || !waiting.isEmpty()) {
            int admit;
            if (capacity) {
                // Asked on every pass while tasks run, so the planner always counts this resource's active Jobs.
                ParallelismSpec p = spec.parallelism == null ? new ParallelismSpec() : spec.parallelism;
                var res = TaskJobs.resources(spec);
                CapacityPlanner.Window w = planner.window(new CapacityPlanner.Demand(ownerKey(owner, kind),
                        owner.getMetadata().getNamespace(), TaskShape.of(res.getRequests(), spec.nodeSelector, spec.tolerations),
                        p.max == null ? 16 : p.max, p.mode == ParallelismSpec.Mode.Fixed, waiting.size() + running, running));
                window = w.capacity();
                admit = w.admit();
            } else {
                admit = Math.max(0, 1 - running);
            }
            for (Planned t : plan) { // the plan's order is the admission order
                TaskState s = states.get(t.id());
                if (admit > 0 && (s.phase() == TaskPhase.Pending || s.phase() == TaskPhase.Retrying)) {
                    start(owner, spec, db, kind, image, t, s, events);
                    admit--;
                    running++;
                }
            }
        }
        int stillWaiting = plan.size() - succeeded - failed - running;
        return new Pass(plan.size(), succeeded, failed, running, stillWaiting, window, cleanupPending, failures);
    }

    public static String ownerKey(HasMetadata owner, String kind) {
        return owner.getMetadata().getNamespace() + "/" + kind + "/" + owner.getMetadata().getName();
    }

    private void record(Planned t, TaskState s, JobOutcome o, int maxAttempts, Events events) {
        switch (o.state()) {
            case Running -> {
                // A pod that cannot start (missing Secret, unschedulable...) is reported at once; the kubelet and the
                // scheduler keep trying, so it proceeds when the cause is fixed. Back to no message when it does.
                String waitingFor = o.cause() == JobOutcome.Cause.STUCK ? o.message() : null;
                if (!java.util.Objects.equals(waitingFor, s.message()) && (waitingFor != null || s.message() != null && s.message().startsWith("pod "))) {
                    s.message(waitingFor);
                    if (waitingFor != null) {
                        events.emit(EventReason.TaskStuck, "task " + t.id() + ": " + waitingFor);
                    }
                }
            }
            case Succeeded -> {
                s.phase(TaskPhase.Succeeded);
                s.completionTime(now());
                s.message(o.message());
                s.result(o.result());
                events.emit(EventReason.TaskSucceeded, "task " + t.id() + " succeeded (job " + s.job() + ")");
            }
            case Failed -> {
                String why = (o.exitCode() == null ? "" : "exit code " + o.exitCode() + ": ") + (o.message() == null ? "failed" : o.message());
                if (o.permanent() || s.attempts() >= maxAttempts) {
                    s.phase(TaskPhase.Failed);
                    s.completionTime(now());
                    s.message((!o.permanent() ? "failed after " + s.attempts() + " attempts: "
                            : o.cause() == null ? "bad input, not retried: " : "not retried: ") + why);
                    events.emit(EventReason.TaskFailed, "task " + t.id() + " " + s.message());
                } else {
                    s.phase(TaskPhase.Retrying);
                    s.message("attempt " + s.attempts() + " failed, will retry: " + why);
                    events.emit(EventReason.TaskRetry, "task " + t.id() + " " + s.message());
                }
            }
        }
    }

    private void start(HasMetadata owner, FanoutSpec spec, SecretKeys db, String kind, String image, Planned t, TaskState s,
            Events events) {
        int attempt = s.attempts() + 1;
        Job job = TaskJobs.build(owner, spec, db, new TaskJobs.Task(t.id(), t.specHash(), attempt, t.args(), kind, t.layout()), image);
        try {
            client.batch().v1().jobs().inNamespace(owner.getMetadata().getNamespace()).resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            LOG.debugf("job %s exists already: adopted", job.getMetadata().getName()); // idempotent by name
        }
        s.attempts(attempt);
        s.job(job.getMetadata().getName());
        s.phase(TaskPhase.Running);
        s.startTime(now());
        s.completionTime(null);
        events.emit(attempt == 1 ? EventReason.TaskStarted : EventReason.TaskRetryStarted, "task " + t.id() + " attempt " + attempt + ": job "
                + job.getMetadata().getName());
    }

    private void delete(Job j) {
        try {
            client.batch().v1().jobs().inNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                    .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /**
     * The Job's outcome is in the recorded state: an older attempt, or the last one and the task no longer Running (by
     * attempt number: compact states do not keep the Job's name).
     */
    private static boolean recordedIn(Job j, TaskState s) {
        return attemptOf(j) < s.attempts() || (attemptOf(j) == s.attempts() && s.phase() != TaskPhase.Running);
    }

    public static boolean finished(Job j) {
        return j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus().getConditions().stream()
                .anyMatch(c -> "True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
    }

    static int attemptOf(Job j) {
        try {
            return Integer.parseInt(label(j, TaskJobs.LABEL_ATTEMPT));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String label(Job j, String key) {
        return j.getMetadata().getLabels() == null ? "" : j.getMetadata().getLabels().getOrDefault(key, "");
    }
}
