package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Several short runs in one Job, so that a pod's start is not paid for every run. */
public class PackingSpec {
    /** At most this many runs' failures fit one termination message with a useful line each. */
    public static final int MAX = 50;

    @Min(1)
    @Max(MAX)
    @Default("32")
    @JsonPropertyDescription("Most runs in one Job (default 32; 1 turns packing off). The first runs go alone and are timed; then "
            + "runs of one model and weather go several to a Job, as many as keep a Job's own overhead (pod start, the worker "
            + "starts) under 5 % of its time, and no more than spread the waiting runs over the window. Each run keeps its "
            + "own result row, attempts and failure message; a run that fails in a pack runs again alone.")
    public Integer maxRunsPerJob = 32;
}
