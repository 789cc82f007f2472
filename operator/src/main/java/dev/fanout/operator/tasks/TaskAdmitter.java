package dev.fanout.operator.tasks;

import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.capacity.TaskShape;
import dev.fanout.operator.crds.v1alpha1.common.ParallelismSpec;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

/**
 * Step three of a pass: count the tasks by phase, ask the capacity planner for this resource's window (on every pass while
 * tasks run, so the planner always counts its active Jobs; an aggregate's window is 1), and start waiting tasks in plan
 * order while the window has room (none while the resource is suspended). A start creates the attempt's Job under its deterministic name: one that exists
 * already (created before a restart) is adopted.
 */
final class TaskAdmitter {
    private static final Logger LOG = Logger.getLogger(TaskAdmitter.class);

    /** Tasks by phase after admission, and the window they were admitted into. */
    record Admission(int succeeded, int failed, int running, int retrying, int waiting, int window) {
    }

    private TaskAdmitter() {
    }

    static Admission admit(KubernetesClient client, CapacityPlanner planner, TaskSet set) {
        int running = 0;
        int succeeded = 0;
        int failed = 0;
        int retrying = 0;
        int waiting = 0;
        for (TaskSet.Planned t : set.plan()) {
            switch (set.states().get(t.id()).phase()) {
                case Running -> running++;
                case Succeeded, Unchanged -> succeeded++;
                case Failed -> failed++;
                case Retrying -> {
                    retrying++;
                    waiting++;
                }
                default -> waiting++;
            }
        }
        TaskOwner owner = set.owner();
        int window = 1;
        int admit = 0;
        // Suspended: only the running tasks still count (they hold their slots until they end); none starts.
        int wanted = owner.suspended() ? running : waiting + running;
        if (set.capacity() && wanted == 0) {
            planner.release(owner.key(set.kind())); // all done, or suspended with nothing running: its demand no longer counts
            window = owner.suspended() ? 0 : 1;
        } else if (set.capacity()) {
            ParallelismSpec p = owner.spec().parallelism == null ? new ParallelismSpec() : owner.spec().parallelism;
            CapacityPlanner.Window w = planner.window(new CapacityPlanner.Demand(owner.key(set.kind()), owner.namespace(),
                    TaskShape.of(owner.resources().getRequests(), owner.spec().nodeSelector, owner.spec().tolerations),
                    p.max == null ? new ParallelismSpec().max : p.max, p.mode == ParallelismSpec.Mode.Fixed, wanted, running));
            window = w.capacity();
            admit = owner.suspended() ? 0 : w.admit();
        } else if (owner.suspended()) {
            admit = 0;
        } else {
            admit = Math.max(0, 1 - running);
        }
        for (TaskSet.Planned t : set.plan()) {
            if (admit == 0) {
                break;
            }
            TaskState s = set.states().get(t.id());
            if (s.phase() == TaskPhase.Pending || s.phase() == TaskPhase.Retrying) {
                if (s.phase() == TaskPhase.Retrying) {
                    retrying--;
                }
                start(client, set, t, s);
                admit--;
                running++;
                waiting--;
            }
        }
        return new Admission(succeeded, failed, running, retrying, waiting, window);
    }

    private static void start(KubernetesClient client, TaskSet set, TaskSet.Planned t, TaskState s) {
        int attempt = s.attempts() + 1;
        Job job = TaskJobs.build(set.owner(), new TaskJobs.Task(t.id(), t.specHash(), attempt, t.args(), set.kind(), t.layout()));
        try {
            set.owner().metrics().apiWrite("create", "jobs");
            client.batch().v1().jobs().inNamespace(set.owner().namespace()).resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            LOG.debugf("job %s exists already: adopted", job.getMetadata().getName()); // idempotent by name
        }
        s.attempts(attempt);
        s.job(job.getMetadata().getName());
        s.phase(TaskPhase.Running);
        s.startTime(TaskEngine.now());
        s.completionTime(null);
        set.owner().events().emit(attempt == 1 ? EventReason.TaskStarted : EventReason.TaskRetryStarted, "task " + t.id() + " attempt "
                + attempt + ": job " + job.getMetadata().getName());
    }
}
