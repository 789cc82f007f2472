package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Where each run's row goes, and the ranked view next to it. */
public class ResultsSpec {
    @Required
    @JsonPropertyDescription("The results database.")
    public DatabaseSpec database;

    @Default("energy_results")
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @JsonPropertyDescription("Results table (default energy_results; created when missing; one row per batch, model, weather and "
            + "variant); the ranked view is <table>_ranked_<batch>.")
    public String table = "energy_results";
}
