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
    /** What one pass did and saw. Waiting counts tasks not started yet, retrying ones among them. */
    public record Pass(int total, int succeeded, int failed, int running, int waiting, int retrying, int window,
            boolean cleanupPending, List<String> failedMessages) {
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

    public Pass run(TaskSet set) {
        TaskObserver.Observation seen = TaskObserver.observe(set);
        boolean cleanupPending = JobCleaner.cleanUp(client, set, seen.recordedNow());
        TaskAdmitter.Admission a = TaskAdmitter.admit(client, planner, set);
        return new Pass(set.plan().size(), a.succeeded(), a.failed(), a.running(), a.waiting(), a.retrying(), a.window(), cleanupPending,
                seen.failedMessages());
    }
}
