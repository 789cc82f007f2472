package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Variants sampled over material fields: every sample is a variant of the unchanged model. */
@ValidationRule(value = "self.method != 'latinHypercube' || has(self.samples)",
        message = "parameters.samples is required for latinHypercube", reason = "FieldValueRequired")
@ValidationRule(value = "self.method != 'latinHypercube' || self.fields.all(f, has(f.min) && has(f.max))",
        message = "every parameters.fields[] needs min and max for latinHypercube", reason = "FieldValueRequired")
@ValidationRule(value = "self.method != 'grid' || self.fields.all(f, has(f.values) || (has(f.min) && has(f.max) && has(f.steps)))",
        message = "every parameters.fields[] needs values, or min, max and steps, for grid", reason = "FieldValueRequired")
public class ParameterSpace {
    public enum Method { grid, latinHypercube }

    @Required
    @JsonPropertyDescription("grid (every combination of the fields' values) or latinHypercube (samples points, one per stratum of "
            + "each field's range, reproducible with seed).")
    public Method method;

    @Min(1)
    @Max(10000)
    @JsonPropertyDescription("Number of samples (latinHypercube).")
    public Integer samples;

    @JsonPropertyDescription("Random seed (latinHypercube; default 1): the same seed gives the same variants.")
    public Long seed;

    @Required
    @Size(min = 1, max = 20)
    @JsonPropertyDescription("The sampled fields.")
    public List<Field> fields;

    @ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max", message = "min must not exceed max")
    public static class Field {
        @Required
        @JsonPropertyDescription("Material, Material:NoMass or window material name in the model.")
        public String material;

        @Required
        @JsonPropertyDescription("Numeric field to set, e.g. Thickness, Conductivity, Thermal Resistance, U-Factor.")
        public String field;

        @Size(min = 1, max = 1000)
        @JsonPropertyDescription("Explicit values (grid).")
        public List<Double> values;

        @JsonPropertyDescription("Lower bound.")
        public Double min;

        @JsonPropertyDescription("Upper bound.")
        public Double max;

        @Min(2)
        @Max(1000)
        @JsonPropertyDescription("Evenly spaced values from min to max, both included (grid).")
        public Integer steps;
    }
}
