package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/** One explicit variant: new layer lists for Constructions and field overrides for materials. Empty means the model as is. */
public class ConstructionSet {
    @Required
    @Size(max = 20)
    @Pattern("^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$")
    @JsonPropertyDescription("Variant name (lower-case letters, digits and '-', at most 20); part of the variant id.")
    public String name;

    @JsonPropertyDescription("Construction name -> its new layer list, outside to inside (material names of the model).")
    public Map<String, List<String>> constructions;

    @JsonPropertyDescription("Material, Material:NoMass or window material name -> field -> number, e.g. "
            + "{\"Insulation\": {\"Thickness\": 0.1}}. Fields: Thickness, Conductivity, Density, Specific Heat, Thermal Resistance, "
            + "Thermal/Solar/Visible Absorptance, U-Factor, Solar Heat Gain Coefficient, Visible Transmittance.")
    public Map<String, Map<String, Double>> materials;
}
