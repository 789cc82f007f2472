package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.TaskStatus;

/** A run that is live or failed: only these are listed, so the status stays small for any batch size. */
public class VariantRun extends TaskStatus {
    @JsonPropertyDescription("Run id: <model>.<weather>.<variant>.")
    public String id;
}
