package dev.fanout.operator.tasks;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;

/**
 * Step two of a pass: delete the Jobs nobody needs (their pods go with them): finished Jobs whose outcome an earlier pass
 * recorded (so it is persisted), Jobs of changed specs and of tasks no longer planned. A Job recorded in this pass stays
 * until the status holding its outcome is written, and one whose pod still holds its node until the pod's phase turns.
 * The aggregate's Job (no capacity window) stays until the resource goes or its spec changes, so `kubectl logs
 * job/<name>` shows its run.
 */
final class JobCleaner {
    private JobCleaner() {
    }

    /** @return whether a Job waits to be deleted in the next pass (the caller comes back soon) */
    static boolean cleanUp(KubernetesClient client, TaskSet set, Set<String> recordedNow) {
        boolean pending = false;
        for (Job j : set.jobs()) {
            // A pack's Job is stale when none of its tasks still wants it, recorded when each one that does has it recorded.
            boolean stale = true;
            boolean recordedByAll = true;
            for (TaskJobs.Member m : TaskJobs.members(j)) {
                TaskState s = set.states().get(m.id());
                if (s != null && s.specHash().equals(m.specHash())) {
                    stale = false;
                    recordedByAll &= recordedIn(j, s);
                }
            }
            boolean over = JobOutcome.finished(j) || (!stale && JobOutcome.over(j, set.owner().podsOf().apply(j)));
            boolean recorded = !stale && over && !recordedNow.contains(j.getMetadata().getName()) && recordedByAll;
            // Kept while its pod still holds the node (its phase turns a moment later, and wakes the owner): it keeps its
            // window slot until then (TaskAdmitter).
            boolean holdsNode = recorded && !JobOutcome.finished(j) && set.owner().podHoldsNode(j);
            if (stale || recorded && set.capacity() && !holdsNode) {
                set.owner().metrics().apiWrite("delete", "jobs");
                TaskJobs.delete(client, j);
            } else if (over && !recorded) {
                pending = true;
            }
        }
        return pending;
    }

    /**
     * The Job's outcome is in the recorded state: an older attempt, or the last one and the task no longer Running (by
     * attempt number: compact states do not keep the Job's name).
     */
    private static boolean recordedIn(Job j, TaskState s) {
        int attempt = TaskJobs.attemptOf(j);
        return attempt < s.attempts() || (attempt == s.attempts() && s.phase() != dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Running);
    }
}
