package dev.fanout.operator.crds.v1alpha1.common;

/** Lifecycle of a fan-out resource. */
public enum Phase {
    Pending, Running, Aggregating, Succeeded, Failed,
    /** spec.suspend is true: no new Jobs; the ones running finish. */
    Suspended
}
