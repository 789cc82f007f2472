package dev.fanout.operator.tasks;

import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.capacity.TaskShape;
import dev.fanout.operator.crds.v1alpha1.common.ParallelismSpec;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Step three of a pass: count the tasks by phase, ask the capacity planner for this resource's window (on every pass while
 * tasks run, so the planner always counts its active Jobs; an aggregate's window is 1), and start waiting tasks in plan
 * order while the window has room (none while the resource is suspended); with a {@link TaskSet.Packer}, first attempts
 * of the same pack key go several to a Job, and the window counts Jobs. A start creates the attempt's Job under its deterministic name: one that exists
 * already (created before a restart) is adopted.
 */
final class TaskAdmitter {
    private static final Logger LOG = Logger.getLogger(TaskAdmitter.class);

    /** Tasks by phase after admission, and the window they were admitted into. */
    record Admission(int succeeded, int failed, int running, int retrying, int waiting, int window, int finishing) {
    }

    private TaskAdmitter() {
    }

    static Admission admit(KubernetesClient client, CapacityPlanner planner, TaskSet set) {
        int running = 0;
        int succeeded = 0;
        int failed = 0;
        int retrying = 0;
        int waiting = 0;
        int firstAttempts = 0;
        java.util.Set<String> runningJobs = new java.util.HashSet<>(); // pods, not tasks, take the window's slots (a pack runs several)
        for (TaskSet.Planned t : set.plan()) {
            TaskState s = set.states().get(t.id());
            switch (s.phase()) {
                case Running -> {
                    running++;
                    runningJobs.add(s.job() == null ? t.id() : s.job());
                }
                case Succeeded, Unchanged -> succeeded++;
                case Failed -> failed++;
                case Retrying -> {
                    retrying++;
                    waiting++;
                }
                default -> {
                    waiting++;
                    firstAttempts++;
                }
            }
        }
        TaskOwner owner = set.owner();
        // A recorded Job whose pod still holds its node (TaskOwner#podHoldsNode) keeps its slot until the pod's phase
        // turns: the user's cap counts pods, and the scheduler would not place another pod there yet.
        int finishing = (int) set.jobs().stream().filter(j -> !runningJobs.contains(j.getMetadata().getName()) && owner.podHoldsNode(j))
                .count();
        int pods = runningJobs.size() + finishing;
        int window = 1;
        int admit = 0;
        // Suspended: only the running tasks still count (they hold their slots until they end); none starts.
        int wanted = owner.suspended() ? pods : waiting + pods;
        if (set.capacity() && wanted == 0) {
            planner.release(owner.key(set.kind())); // all done, or suspended with nothing running: its demand no longer counts
            window = owner.suspended() ? 0 : 1;
        } else if (set.capacity()) {
            ParallelismSpec p = owner.spec().parallelism == null ? new ParallelismSpec() : owner.spec().parallelism;
            CapacityPlanner.Window w = planner.window(new CapacityPlanner.Demand(owner.key(set.kind()), owner.namespace(),
                    TaskShape.of(owner.resources().getRequests(), owner.spec().nodeSelector, owner.spec().tolerations),
                    p.max == null ? new ParallelismSpec().max : p.max, p.mode == ParallelismSpec.Mode.Fixed, wanted, pods));
            window = w.capacity();
            admit = owner.suspended() ? 0 : w.admit();
        } else if (owner.suspended()) {
            admit = 0;
        } else {
            admit = Math.max(0, 1 - pods);
        }
        if (set.packer() != null) {
            admit = Math.min(admit, Math.max(0, set.packer().jobsWhileUnmeasured() - pods));
        }
        List<TaskSet.Planned> plan = set.plan();
        int runningBefore = running;
        int packSize = 1; // of the last pack sized
        int packed = 0;
        int retries = 0;
        // Chosen first, started once the pass knows whether anything still waits after them: a pack that may end the
        // resource's tasks is told so (TaskSet.Packer#pack).
        List<List<TaskSet.Planned>> starts = new ArrayList<>();
        int starting = admit;
        java.util.Set<String> chosen = new java.util.HashSet<>();
        for (int i = 0; i < plan.size() && admit > 0; i++) {
            TaskSet.Planned t = plan.get(i);
            TaskState s = set.states().get(t.id());
            if (s.phase() != TaskPhase.Pending && s.phase() != TaskPhase.Retrying || chosen.contains(t.id())) {
                continue;
            }
            if (set.packer() != null && s.phase() == TaskPhase.Pending && t.packKey() != null) {
                // Sized from the counts this pass began with: the packs started in it are part of the same share-out.
                packSize = Math.max(1, set.packer().size(t.packKey(), firstAttempts, runningBefore, window, starts.size(), starting));
            }
            List<TaskSet.Planned> pack = packSize > 1 && s.phase() == TaskPhase.Pending && t.packKey() != null
                    ? packFrom(set, i, packSize, chosen) : List.of(t);
            pack.forEach(m -> chosen.add(m.id()));
            starts.add(pack);
            admit--;
            running += pack.size();
            waiting -= pack.size();
        }
        boolean mayEnd = waiting == 0;
        for (List<TaskSet.Planned> pack : starts) {
            if (pack.size() > 1) {
                startPack(client, set, pack, mayEnd);
                packed += pack.size();
            } else {
                TaskSet.Planned t = pack.get(0);
                TaskState s = set.states().get(t.id());
                if (s.phase() == TaskPhase.Retrying) {
                    retrying--;
                    retries++;
                }
                start(client, set, t, s);
            }
        }
        if (!starts.isEmpty()) {
            LOG.debugf("%s: started %d Jobs (%d tasks in packs of up to %d, %d retries); %d waiting, window %d", owner.key(set.kind()),
                    starts.size(), packed, packSize, retries, waiting, window);
        }
        return new Admission(succeeded, failed, running, retrying, waiting, window, finishing);
    }

    /** Up to {@code size} first attempts with the plan entry at {@code from}'s pack key, from it on in plan order, not chosen yet. */
    private static List<TaskSet.Planned> packFrom(TaskSet set, int from, int size, java.util.Set<String> chosen) {
        String key = set.plan().get(from).packKey();
        List<TaskSet.Planned> pack = new ArrayList<>();
        for (int i = from; i < set.plan().size() && pack.size() < size; i++) {
            TaskSet.Planned t = set.plan().get(i);
            if (key.equals(t.packKey()) && set.states().get(t.id()).phase() == TaskPhase.Pending && !chosen.contains(t.id())) {
                pack.add(t);
            }
        }
        return pack;
    }

    /**
     * Starts a pack: one Job named after its tasks (the same tasks give the same name, so a replayed pass adopts it), each
     * task on its first attempt with that Job.
     */
    private static void startPack(KubernetesClient client, TaskSet set, List<TaskSet.Planned> members, boolean mayEnd) {
        List<TaskJobs.Member> refs = members.stream().map(m -> new TaskJobs.Member(m.id(), m.specHash())).toList();
        String hash = TaskJobs.packHash(refs);
        TaskSet.Planned p = set.packer().pack(members, mayEnd);
        Job job = create(client, set, new TaskJobs.Task("pack-" + hash, hash, 1, p.args(), set.kind(), p.layout(), refs));
        for (TaskSet.Planned t : members) {
            started(set, t, set.states().get(t.id()), 1, job, " (a pack of " + members.size() + ")");
        }
    }

    /** Creates an attempt's Job; one of that name existing already (created before a restart) is adopted. */
    private static Job create(KubernetesClient client, TaskSet set, TaskJobs.Task task) {
        Job job = TaskJobs.build(set.owner(), task);
        try {
            set.owner().metrics().apiWrite("create", "jobs");
            client.batch().v1().jobs().inNamespace(set.owner().namespace()).resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            LOG.debugf("job %s exists already: adopted", job.getMetadata().getName()); // idempotent by name
        }
        return job;
    }

    private static void start(KubernetesClient client, TaskSet set, TaskSet.Planned t, TaskState s) {
        int attempt = s.attempts() + 1;
        TaskSet.Planned full = set.packer() == null ? t : set.packer().alone(t);
        Job job = create(client, set, new TaskJobs.Task(t.id(), t.specHash(), attempt, full.args(), set.kind(), full.layout()));
        started(set, t, s, attempt, job, "");
    }

    /** The task's state as its attempt's Job starts, and the Event that says so. */
    private static void started(TaskSet set, TaskSet.Planned t, TaskState s, int attempt, Job job, String note) {
        s.attempts(attempt);
        s.job(job.getMetadata().getName());
        s.phase(TaskPhase.Running);
        s.startTime(TaskEngine.now());
        s.completionTime(null);
        set.owner().events().emit(attempt == 1 ? EventReason.TaskStarted : EventReason.TaskRetryStarted, "task " + t.id() + " attempt "
                + attempt + ": job " + job.getMetadata().getName() + note);
    }
}
