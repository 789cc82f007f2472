package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.TaskStatus;

/** The ranking Job and its summary. */
public class EnergyAggregateStatus extends TaskStatus {
    @JsonPropertyDescription("The ranked view (schema.name).")
    public String view;
    @JsonPropertyDescription("The ranked CSV on the outputs claim, when one is given.")
    public String csv;
    @JsonPropertyDescription("Result rows of this batch.")
    public Long rows;
    @JsonPropertyDescription("Variant with the lowest site EUI.")
    public String best;
    @JsonPropertyDescription("Its savings against the baseline, in %.")
    public Double bestSavingsPercent;
    @JsonPropertyDescription("Lowest site EUI (MJ/m2).")
    public Double minEui;
    @JsonPropertyDescription("Median site EUI (MJ/m2).")
    public Double medianEui;
    @JsonPropertyDescription("Highest site EUI (MJ/m2).")
    public Double maxEui;
}
