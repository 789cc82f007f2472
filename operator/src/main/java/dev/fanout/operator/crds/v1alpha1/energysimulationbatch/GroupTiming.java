package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The measured run time of one model with one weather file. The runs of a batch with several are ordered by it (longest
 * first: a long run started last would end the batch alone) and their packs sized by it.
 */
public class GroupTiming {
    @JsonPropertyDescription("spec.models[].name")
    public String model;

    @JsonPropertyDescription("spec.weather[].name")
    public String weather;

    @JsonPropertyDescription("Engine seconds per run of the first Job timed: the run order uses it, so it stays as it was.")
    public Double firstRunSeconds;

    @JsonPropertyDescription("Mean engine seconds per run, moving with each Job that ends: packs are sized by it.")
    public Double runSeconds;
}
