package dev.fanout.operator.tasks;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What one engine pass works on: an owner's tasks of one kind, in admission order, with their recorded states (states of
 * tasks no longer planned are removed, new ones made by {@code newState}) and the Jobs of that kind that exist.
 *
 * @param capacity whether the window comes from the capacity planner (task fan-out) or is 1 (an aggregate)
 */
public record TaskSet(TaskOwner owner, String kind, List<Planned> plan, Map<String, TaskState> states,
        Function<String, TaskState> newState, List<Job> jobs, boolean capacity, Packer packer) {

    public TaskSet(TaskOwner owner, String kind, List<Planned> plan, Map<String, TaskState> states, Function<String, TaskState> newState,
            List<Job> jobs, boolean capacity) {
        this(owner, kind, plan, states, newState, jobs, capacity, null);
    }

    /**
     * One planned task: its id, the fingerprint of its spec, the worker arguments and what else its pod has.
     *
     * @param packKey tasks with the same key may share a Job (see {@link Packer}); null: always a Job of its own
     * @param series tasks of one series are recorded together in the {@link TaskLedger}, in blocks (a few bytes per block
     *        rather than ten per task), where a change to one of them may rerun its block: for tasks that change together
     *        (a batch's sampled variants); null: recorded one by one
     */
    public record Planned(String id, String specHash, List<String> args, TaskJobs.Layout layout, String packKey, String series) {
        public Planned(String id, String specHash, List<String> args, TaskJobs.Layout layout, String packKey) {
            this(id, specHash, args, layout, packKey, null);
        }

        public Planned(String id, String specHash, List<String> args, TaskJobs.Layout layout) {
            this(id, specHash, args, layout, null);
        }

        public Planned(String id, String specHash, List<String> args) {
            this(id, specHash, args, TaskJobs.Layout.WORKER_ONLY);
        }
    }

    /**
     * Makes the Jobs' pods of a plan's tasks, and puts several short tasks into one Job (a pack), so that they share one pod's start. Only first attempts are packed:
     * a task whose attempt failed in a pack runs alone next. Each task keeps its own state; the pack's result says how each
     * one ended (see {@link JobOutcome#forMember}).
     */
    public interface Packer {
        /**
         * How many tasks of this pack key one Job takes now, for this many first attempts waiting, tasks running and Jobs
         * the window holds (1: each alone); {@code place}: Jobs this pass started before this one, of at most
         * {@code starting} (the Job controller makes their pods in that order, so later ones start later).
         */
        int size(String packKey, int waiting, int running, int window, int place, int starting);

        /**
         * How many Jobs may run while nothing is measured yet (the first runs alone, timed before packs are sized; a
         * large window is not filled with runs alone meanwhile); no limit once measured.
         */
        int jobsWhileUnmeasured();

        /**
         * The worker arguments and pod of a Job that runs these tasks (same pack key, plan order); {@code mayEnd}: no task
         * waits after the ones started with it, so this Job may be the last to end (its worker may then do what the
         * aggregate would, see EnergySimulationBatchReconciler).
         */
        Planned pack(List<Planned> members, boolean mayEnd);

        /**
         * The task with its worker arguments and pod, for a Job of its own: a plan with a packer may leave them out (a
         * large plan is made on every pass; only the tasks that start need them).
         */
        Planned alone(Planned t);
    }
}
