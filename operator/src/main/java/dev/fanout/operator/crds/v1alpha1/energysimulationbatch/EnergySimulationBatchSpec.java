package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.FanoutSpec;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Runs: every model x every weather file x every variant. Variants are the construction sets and the parameter samples
 * (each sample a variant of the unchanged model); the baseline names one of them.
 */
@ValidationRule(value = "has(self.constructionSets) || has(self.parameters)",
        message = "give spec.constructionSets, spec.parameters or both: they make the variants", reason = "FieldValueRequired")
@ValidationRule(value = "!has(self.baseline) || !has(self.constructionSets) || has(self.parameters) "
        + "|| self.constructionSets.exists(c, c.name == self.baseline)",
        message = "spec.baseline must name one of spec.constructionSets", reason = "FieldValueInvalid")
@ValidationRule(value = "!self.weather.exists(w, has(w.configMapKeyRef))",
        message = "spec.weather[] cannot come from a ConfigMap (EPW files exceed its 1 MiB limit): use url or persistentVolumeClaim",
        reason = "FieldValueInvalid")
public class EnergySimulationBatchSpec extends FanoutSpec {
    @Required
    @Size(min = 1, max = 20)
    @ValidationRule(value = "self.all(m, self.exists_one(n, n.name == m.name))", message = "spec.models[].name must be unique")
    @JsonPropertyDescription("Base models (IDF).")
    public List<InputFile> models;

    @Required
    @Size(min = 1, max = 20)
    @ValidationRule(value = "self.all(m, self.exists_one(n, n.name == m.name))", message = "spec.weather[].name must be unique")
    @JsonPropertyDescription("Weather files (EPW).")
    public List<InputFile> weather;

    @Size(max = 200)
    @ValidationRule(value = "self.all(m, self.exists_one(n, n.name == m.name))", message = "spec.constructionSets[].name must be unique")
    @JsonPropertyDescription("Explicit variants; one with no changes runs the model as it is (a natural baseline).")
    public List<ConstructionSet> constructionSets;

    @JsonPropertyDescription("Variants sampled over material fields (grid or Latin hypercube); ids grid-00001... or lhs-00001...")
    public ParameterSpace parameters;

    @Size(max = 20)
    @Pattern("^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$")
    @JsonPropertyDescription("The variant the savings are measured against (per model and weather).")
    public String baseline;

    @JsonPropertyDescription("The engine image and the simulated period.")
    public EnergyPlusSpec energyplus = new EnergyPlusSpec();

    @Required
    @JsonPropertyDescription("The results table.")
    public ResultsSpec results;

    @JsonPropertyDescription("Optional PersistentVolumeClaim for raw outputs and the ranked CSV.")
    public OutputsSpec outputs;

    @JsonPropertyDescription("Several short runs in one Job (on by default, sized from measured times; maxRunsPerJob: 1 turns it off).")
    public PackingSpec packing = new PackingSpec();
}
