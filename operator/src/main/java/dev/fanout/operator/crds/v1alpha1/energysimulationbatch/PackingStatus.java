package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What packing is sized from: the times measured on this batch's finished Jobs. */
public class PackingStatus {
    @JsonPropertyDescription("Mean engine seconds of a run.")
    public Double runSeconds;
    @JsonPropertyDescription("Mean seconds of a Job that were not its runs' engine time (pod start, worker starts, results).")
    public Double overheadSeconds;
    @JsonPropertyDescription("Runs per Job of the last Jobs started (1: alone).")
    public Integer runsPerJob;
}
