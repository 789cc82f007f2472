package dev.fanout.operator.metrics;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.tasks.TaskMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * A reconcile's task events, held until its status write succeeds: a pass that loses the optimistic-locking race (409)
 * runs again on the fresh copy and sees the same endings, which must count once. API writes count at once (they happened).
 */
public final class RecordedAfterWrite implements TaskMetrics {
    private final TaskMetrics target;
    private final List<Runnable> held = new ArrayList<>();

    public RecordedAfterWrite(TaskMetrics target) {
        this.target = target;
    }

    @Override
    public void ended(String kind, String namespace, TaskPhase outcome, double seconds) {
        held.add(() -> target.ended(kind, namespace, outcome, seconds));
    }

    @Override
    public void attemptFailed(String kind, String namespace, String failureClass, boolean retried) {
        held.add(() -> target.attemptFailed(kind, namespace, failureClass, retried));
    }

    @Override
    public void stuck(String kind, String namespace, String reason) {
        held.add(() -> target.stuck(kind, namespace, reason));
    }

    @Override
    public void apiWrite(String verb, String resource) {
        target.apiWrite(verb, resource);
    }

    /** The status holding these events is written: count them. */
    public void written() {
        held.forEach(Runnable::run);
        held.clear();
    }
}
