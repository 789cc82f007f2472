package dev.fanout.operator.tasks;

import dev.fanout.operator.capacity.CapacityPlanner;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The fan-out machinery every kind of resource shares, one pass at a time: observe (record what the Jobs came to), clean
 * up (delete Jobs whose outcome is recorded), admit (start waiting tasks into the capacity window). Everything is derived
 * from the recorded task states and the Jobs that exist, so a restarted operator picks up where it was: a Job it created
 * but did not record is adopted, never created twice; a recorded task never runs again.
 */
public final class TaskEngine {
    /**
     * What one pass did and saw. Waiting counts tasks not started yet, retrying ones among them. {@code finishing}: Jobs
     * whose outcome is recorded while their pod, its containers exited, still holds its node (its phase turns a moment
     * later); they still take their window slots.
     */
    public record Pass(int total, int succeeded, int failed, int running, int waiting, int retrying, int window,
            boolean cleanupPending, List<String> failedMessages, int finishing) {
        public Pass(int total, int succeeded, int failed, int running, int waiting, int retrying, int window, boolean cleanupPending,
                List<String> failedMessages) {
            this(total, succeeded, failed, running, waiting, retrying, window, cleanupPending, failedMessages, 0);
        }

        public boolean allDone() {
            return succeeded + failed == total;
        }

        /** Nothing ran yet: a spec the reconciler refused. */
        public static Pass none(int total) {
            return new Pass(total, 0, 0, 0, total, 0, 0, false, List.of());
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

    /** A task's result made by other Jobs (which one, for the status and the Event), so that it needs no Job of its own. */
    public record DoneBy(String job, String resultJson, String how) {
    }

    /**
     * Records a task as succeeded for its current spec without a Job: {@code done} holds its result. The engine's next
     * pass over it then finds it done and starts nothing.
     */
    public static void doneWithoutJob(TaskOwner owner, String kind, TaskSet.Planned t, TaskState s, DoneBy done) {
        s.restart(t.specHash());
        String now = now();
        s.startTime(now);
        s.completionTime(now);
        s.job(done.job());
        s.phase(dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Succeeded);
        s.result(done.resultJson());
        if (s.message() == null) { // a result's own message (a warning) says more
            s.message(done.how());
        }
        owner.events().emit(dev.fanout.operator.events.EventReason.TaskSucceeded, "task " + t.id() + " succeeded: " + done.how());
        owner.metrics().ended(kind, owner.namespace(), dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Succeeded, 0);
    }

    public Pass run(TaskSet set) {
        TaskObserver.Observation seen = TaskObserver.observe(set);
        boolean cleanupPending = JobCleaner.cleanUp(client, set, seen.recordedNow());
        TaskAdmitter.Admission a = TaskAdmitter.admit(client, planner, set);
        return new Pass(set.plan().size(), a.succeeded(), a.failed(), a.running(), a.waiting(), a.retrying(), a.window(), cleanupPending,
                seen.failedMessages(), a.finishing());
    }
}
