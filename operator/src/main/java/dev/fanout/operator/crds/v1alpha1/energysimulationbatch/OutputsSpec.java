package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A PersistentVolumeClaim that keeps every run's raw outputs and the ranked CSV. */
public class OutputsSpec {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("PersistentVolumeClaim name; runs write <batch>/<variant id>/, the aggregate <batch>/ranked.csv.")
    public String claimName;
}
