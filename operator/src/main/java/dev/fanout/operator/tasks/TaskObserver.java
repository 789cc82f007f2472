package dev.fanout.operator.tasks;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Step one of a pass: bring the recorded states up to date with the plan and the Jobs. A task whose spec changed starts
 * over; a Job created before a restart but never recorded is adopted; a running task's Job outcome is recorded (success
 * with its result, a retry, or a failure for good). Reads the API only through the given Jobs and pods; writes nothing.
 */
final class TaskObserver {
    /** What observing saw: Jobs recorded in this pass (kept until the status holding them is written), failures. */
    record Observation(Set<String> recordedNow, List<String> failedMessages) {
    }

    private TaskObserver() {
    }

    /** A Job as seen from one of its tasks: its place in the Job (a pack's member; -1: the Job is the task's own). */
    private record Ref(Job job, String specHash, int index, int size) {
    }

    static Observation observe(TaskSet set) {
        TaskOwner owner = set.owner();
        Map<String, List<Ref>> byTask = new HashMap<>();
        for (Job j : set.jobs()) {
            boolean pack = TaskJobs.isPack(j);
            List<TaskJobs.Member> members = TaskJobs.members(j);
            for (int i = 0; i < members.size(); i++) {
                byTask.computeIfAbsent(members.get(i).id(), k -> new ArrayList<>())
                        .add(new Ref(j, members.get(i).specHash(), pack ? i : -1, members.size()));
            }
        }
        Map<String, JobOutcome> outcomes = new HashMap<>(); // a pack's outcome is read once for all its tasks
        Map<String, List<JobOutcome>> memberOutcomes = new HashMap<>(); // and its result too
        Set<String> planned = set.plan().stream().map(TaskSet.Planned::id).collect(Collectors.toSet());
        set.states().keySet().removeIf(id -> !planned.contains(id));
        Set<String> recordedNow = new HashSet<>();
        List<String> failures = new ArrayList<>();
        for (TaskSet.Planned t : set.plan()) {
            TaskState s = set.states().computeIfAbsent(t.id(), set.newState());
            if (!t.specHash().equals(s.specHash())) {
                if (s.specHash() != null) {
                    owner.events().emit(EventReason.SpecChanged, "task " + t.id() + ": spec changed, it runs again");
                }
                s.restart(t.specHash());
            }
            Ref latest = byTask.getOrDefault(t.id(), List.of()).stream()
                    .filter(r -> t.specHash().equals(r.specHash()))
                    .max(Comparator.comparingInt(r -> TaskJobs.attemptOf(r.job()))).orElse(null);
            String latestName = latest == null ? null : latest.job().getMetadata().getName();
            if (latest != null && TaskJobs.attemptOf(latest.job()) > s.attempts()) {
                // Created before a restart but never recorded: adopt it instead of creating another.
                s.attempts(TaskJobs.attemptOf(latest.job()));
                s.job(latestName);
                s.phase(TaskPhase.Running);
                s.startTime(latest.job().getMetadata().getCreationTimestamp());
            }
            if (latest != null && s.phase() == TaskPhase.Running && latestName.equals(s.job())) {
                JobOutcome o = outcomes.computeIfAbsent(latestName, n -> JobOutcome.of(latest.job(), owner.podsOf().apply(latest.job())));
                record(set, t.id(), s, latest.index() < 0 ? o
                        : memberOutcomes.computeIfAbsent(latestName, n -> o.forMembers(latest.size())).get(latest.index()));
                if (s.phase() != TaskPhase.Running) {
                    recordedNow.add(latestName);
                }
            }
            if (s.phase() == TaskPhase.Running && s.job() != null && (latest == null || !latestName.equals(s.job()))
                    && olderThan(s.startTime(), owner.lostJobAfter())) {
                lost(set, t.id(), s);
            }
            if (s.phase() == TaskPhase.Failed && s.message() != null) {
                failures.add(t.id() + ": " + s.message());
            }
        }
        return new Observation(recordedNow, failures);
    }

    /** The running attempt's Job is gone (deleted before it ended): the attempt failed, the task runs again if it may. */
    private static void lost(TaskSet set, String id, TaskState s) {
        attemptFailed(set, id, s, "job " + s.job() + " is gone (deleted before it ended)", "job_lost", null);
    }

    /**
     * An attempt failed: the task fails for good when retrying cannot help ({@code permanent} names why, as the start of
     * the message) or it has no attempt left; else it waits for its next attempt.
     */
    private static void attemptFailed(TaskSet set, String id, TaskState s, String why, String failureClass, String permanent) {
        boolean last = permanent != null || s.attempts() >= set.owner().maxAttempts();
        set.owner().metrics().attemptFailed(set.kind(), set.owner().namespace(), failureClass, !last);
        if (last) {
            s.phase(TaskPhase.Failed);
            s.completionTime(TaskEngine.now());
            s.message((permanent != null ? permanent : "failed after " + s.attempts() + " attempts: ") + why);
            set.owner().events().emit(EventReason.TaskFailed, "task " + id + " " + s.message());
            set.owner().metrics().ended(set.kind(), set.owner().namespace(), TaskPhase.Failed, secondsSince(s.startTime()));
        } else {
            s.phase(TaskPhase.Retrying);
            s.message("attempt " + s.attempts() + " failed, will retry: " + why);
            set.owner().events().emit(EventReason.TaskRetry, "task " + id + " " + s.message());
        }
    }

    private static boolean olderThan(String start, java.time.Duration age) {
        return start != null && secondsSince(start) > age.toMillis() / 1000.0;
    }

    private static double secondsSince(String start) {
        try {
            return start == null ? 0 : java.time.Duration.between(java.time.Instant.parse(start), java.time.Instant.now()).toMillis() / 1000.0;
        } catch (java.time.format.DateTimeParseException e) {
            return 0;
        }
    }

    static void record(TaskSet set, String id, TaskState s, JobOutcome o) {
        TaskOwner.Events events = set.owner().events();
        TaskMetrics metrics = set.owner().metrics();
        String ns = set.owner().namespace();
        switch (o.state()) {
            case Running -> {
                // A pod that cannot start (missing Secret, unschedulable...) is reported at once; the kubelet and the
                // scheduler keep trying, so it proceeds when the cause is fixed. Back to no message when it does.
                String waitingFor = o.cause() == JobOutcome.Cause.STUCK ? o.message() : null;
                if (!Objects.equals(waitingFor, s.message()) && (waitingFor != null || JobOutcome.isStuckMessage(s.message()))) {
                    s.message(waitingFor);
                    if (waitingFor != null) {
                        events.emit(EventReason.TaskStuck, "task " + id + ": " + waitingFor);
                        metrics.stuck(set.kind(), ns, waitingFor.contains("unschedulable") ? "unschedulable" : "container_cannot_start");
                    }
                }
            }
            case Succeeded -> {
                s.phase(TaskPhase.Succeeded);
                s.completionTime(TaskEngine.now());
                s.message(o.message());
                s.result(o.result());
                events.emit(EventReason.TaskSucceeded, "task " + id + " succeeded (job " + s.job() + ")");
                metrics.ended(set.kind(), ns, TaskPhase.Succeeded, secondsSince(s.startTime()));
            }
            case Failed -> {
                String why = (o.exitCode() == null ? "" : "exit code " + o.exitCode() + ": ") + (o.message() == null ? "failed" : o.message());
                attemptFailed(set, id, s, why, TaskMetrics.failureClass(o),
                        !o.permanent() ? null : o.cause() == null ? "bad input, not retried: " : "not retried: ");
            }
        }
    }
}
