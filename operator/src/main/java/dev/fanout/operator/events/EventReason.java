package dev.fanout.operator.events;

/**
 * The reasons of the Events the operator records on its resources (`kubectl describe`, `kubectl get events`), and
 * whether each is a Warning. One list, so alerts and docs can rely on the names.
 */
public enum EventReason {
    /** A task's first attempt got its Job. */
    TaskStarted(false),
    /** A later attempt of a task got its Job. */
    TaskRetryStarted(false),
    TaskSucceeded(false),
    /** An attempt failed and the task will run again. */
    TaskRetry(true),
    /** A task failed for good (bad input, OOMKilled, image pull, or out of attempts). */
    TaskFailed(true),
    /** A task's pod cannot start for a reason a person must fix (missing Secret, unschedulable). */
    TaskStuck(true),
    /** No task changed state for spec.stalledAfterSeconds while tasks could not start (the Stalled condition). */
    Stalled(true),
    /** The fanout.dev/rerun-failed annotation changed: the tasks that had failed for good run again. */
    RerunFailed(false),
    /** A run started: by the schedule, or by the fanout.dev/reload annotation. */
    RunStarted(false),
    /** A scheduled time passed without its run starting within spec.schedule.startingDeadlineSeconds. */
    RunMissed(true),
    /** A later run found a task's input as it was: the task did not run again. */
    TaskUnchanged(false),
    /** A task's spec changed: it runs again. */
    SpecChanged(false),
    Succeeded(false),
    Failed(true),
    /** A reconcile threw; the SDK retries it. */
    ReconcileError(true);

    public final boolean warning;

    EventReason(boolean warning) {
        this.warning = warning;
    }
}
