package dev.fanout.operator.crds.v1alpha1.common;

/** Lifecycle of one task (one layer, one variant). */
public enum TaskPhase {
    /** Not started yet: waits for a slot. */
    Pending,
    /** Its Job exists and has not finished. */
    Running,
    /** An attempt failed; the next one waits for a slot. */
    Retrying,
    Succeeded,
    /** A later run found its input as it was when it last succeeded: nothing ran, the result stands. */
    Unchanged,
    /** Out of attempts, or bad input. */
    Failed;

    public boolean done() {
        return this == Succeeded || this == Unchanged || this == Failed;
    }

    /** Its result is there: it succeeded in this run or an earlier one. */
    public boolean succeeded() {
        return this == Succeeded || this == Unchanged;
    }
}
