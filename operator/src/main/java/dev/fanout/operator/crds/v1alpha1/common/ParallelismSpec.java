package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How many task Jobs may run at once. */
public class ParallelismSpec {
    public enum Mode { Capacity, Fixed }

    @Min(1)
    @Max(10000)
    @Default("16")
    @JsonPropertyDescription("Most task Jobs running at once (the user cap, default 16).")
    public Integer max = 16;

    @Default("Capacity")
    @JsonPropertyDescription("Capacity (default): run as many as the cluster can hold now, up to max, shared fairly with the "
            + "operator's other resources (at least one). Fixed: always run max at once and let the scheduler queue them.")
    public Mode mode = Mode.Capacity;
}
