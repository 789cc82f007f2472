package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The capacity window: how many task Jobs may run now, how many do. */
public class SlotsStatus {
    @JsonPropertyDescription("Task Jobs this resource may run now: min(user cap, its fair share of free cluster capacity), at least 1.")
    public Integer capacity;

    @JsonPropertyDescription("Task Jobs running (active) now.")
    public Integer running;
}
