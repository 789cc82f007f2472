package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How many runs are in each state. */
public class VariantCounts {
    @JsonPropertyDescription("Runs in the batch (models x weather x variants).")
    public Integer total;
    @JsonPropertyDescription("Runs whose results row is written.")
    public Integer succeeded;
    @JsonPropertyDescription("Runs that failed for good.")
    public Integer failed;
    @JsonPropertyDescription("Runs with a live Job.")
    public Integer running;
    @JsonPropertyDescription("Runs waiting for a slot (retries included).")
    public Integer waiting;
    @JsonPropertyDescription("Total seconds of the finished runs' Jobs (for the mean and the ETA).")
    public Double finishedSeconds;
}
