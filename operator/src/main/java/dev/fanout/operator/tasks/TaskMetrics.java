package dev.fanout.operator.tasks;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;

/** What the engine tells the metrics (dev.fanout.operator.metrics.FanoutMetrics) as it happens. */
public interface TaskMetrics {
    /** A task succeeded or failed for good after {@code seconds} (its last attempt's start to now). */
    void ended(String kind, String namespace, TaskPhase outcome, double seconds);

    /**
     * An attempt failed, of a class: bad_input, transient, crash, oom_killed, image_pull, timed_out.
     *
     * @param retried whether the task runs again
     */
    void attemptFailed(String kind, String namespace, String failureClass, boolean retried);

    /** A task's pod cannot start: unschedulable, or a container that cannot be created (e.g. a missing Secret). */
    void stuck(String kind, String namespace, String reason);

    /** A write to the API server (verb: create, delete, update; resource: jobs, events, status). */
    void apiWrite(String verb, String resource);

    TaskMetrics NONE = new TaskMetrics() {
        @Override
        public void ended(String kind, String namespace, TaskPhase outcome, double seconds) {
        }

        @Override
        public void attemptFailed(String kind, String namespace, String failureClass, boolean retried) {
        }

        @Override
        public void stuck(String kind, String namespace, String reason) {
        }

        @Override
        public void apiWrite(String verb, String resource) {
        }
    };

    /** The class of a failed attempt, for the failure counters. */
    static String failureClass(JobOutcome o) {
        if (o.cause() != null && o.cause() != JobOutcome.Cause.STUCK) {
            return o.cause().name().toLowerCase(java.util.Locale.ROOT);
        }
        if (o.exitCode() == null) {
            return "crash";
        }
        return switch (o.exitCode()) {
            case dev.fanout.api.ExitCode.BAD_INPUT -> "bad_input";
            case dev.fanout.api.ExitCode.TRANSIENT -> "transient";
            default -> "crash";
        };
    }
}
