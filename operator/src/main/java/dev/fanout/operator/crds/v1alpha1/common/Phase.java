package dev.fanout.operator.crds.v1alpha1.common;

/** Lifecycle of a fan-out resource. */
public enum Phase {
    Pending, Running, Aggregating, Succeeded, Failed,
    /** spec.suspend is true: no new Jobs; the ones running finish. */
    Suspended;

    /** Succeeded or Failed: the resource's work is over (until its spec changes or a new run starts). */
    public boolean finished() {
        return this == Succeeded || this == Failed;
    }
}
