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
        Function<String, TaskState> newState, List<Job> jobs, boolean capacity) {

    /** One planned task: its id, the fingerprint of its spec, the worker arguments and what else its pod has. */
    public record Planned(String id, String specHash, List<String> args, TaskJobs.Layout layout) {
        public Planned(String id, String specHash, List<String> args) {
            this(id, specHash, args, TaskJobs.Layout.WORKER_ONLY);
        }
    }
}
