package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import dev.fanout.api.SimulationMode;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** The engine: its image, unchanged, and what to simulate. */
public class EnergyPlusSpec {

    @Default("nrel/energyplus:25.2.0")
    @JsonPropertyDescription("EnergyPlus image (default nrel/energyplus:25.2.0); `energyplus` must be on its PATH.")
    public String image = "nrel/energyplus:25.2.0";

    @Default("annual")
    @JsonPropertyDescription("annual (the weather-file run periods; default) or designDay (the sizing periods only: fast, and "
            + "ranked by the facility energy over the design days).")
    public SimulationMode mode = SimulationMode.annual;
}
