package dev.fanout.operator.tasks;

import dev.fanout.operator.capacity.ClusterCapacity;
import dev.fanout.operator.crds.v1alpha1.common.FanoutSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.events.EventReason;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.function.Function;

/**
 * The resource whose tasks run, and what its task Jobs get from it: the spec's pod settings, the database Secret, the
 * worker image, the pod resources (spec over the operator's defaults); plus where pods are looked up and events go.
 *
 * @param podsOf the pods of a Job (from a cache: asked for every Job on every pass)
 * @param metrics where task ends, failures and API writes are counted
 * @param lostJobAfter how old a running attempt must be before its missing Job counts as gone
 */
public record TaskOwner(HasMetadata resource, FanoutSpec spec, SecretKeys db, String image, ResourceRequirements resources,
        Function<Job, List<Pod>> podsOf, Events events, TaskMetrics metrics, java.time.Duration lostJobAfter) {

    /** Notable moments, for Kubernetes Events. */
    public interface Events {
        void emit(EventReason reason, String message);
    }

    public String namespace() {
        return resource.getMetadata().getNamespace();
    }

    /** namespace/kind/name: how the capacity planner knows a resource's tasks of one kind. */
    public String key(String kind) {
        return namespace() + "/" + kind + "/" + resource.getMetadata().getName();
    }

    /**
     * The Job's pod has exited but still holds its node ({@link ClusterCapacity#finishing}): a recorded Job keeps its window
     * slot, and is kept, until the pod's phase turns.
     */
    public boolean podHoldsNode(Job job) {
        return podsOf.apply(job).stream().anyMatch(ClusterCapacity::finishing);
    }

    /** No new Jobs: spec.suspend. */
    public boolean suspended() {
        return Boolean.TRUE.equals(spec.suspend);
    }

    public int maxAttempts() {
        return spec.retry == null || spec.retry.maxAttempts == null ? new dev.fanout.operator.crds.v1alpha1.common.RetrySpec().maxAttempts
                : spec.retry.maxAttempts;
    }
}
