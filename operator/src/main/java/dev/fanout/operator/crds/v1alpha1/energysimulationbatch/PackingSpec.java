package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Several short runs in one Job, so that a pod's start is not paid for every run. */
public class PackingSpec {
    /**
     * A pack's Job names each run in an annotation and in its pod's arguments (with the run's edits): this many keeps a
     * Job and its pod at tens of KiB, far from the API's object limit.
     */
    public static final int MAX = 500;

    @Min(1)
    @Max(MAX)
    @Default("32")
    @JsonPropertyDescription("Most runs in one Job (default 32; 1 turns packing off). The first runs go alone and are timed; then "
            + "runs of one model and weather go several to a Job, as many as keep a Job's own overhead (pod start, the worker "
            + "starts) under 5 % of its time, and no more than spread the waiting runs over the window. Each run keeps its "
            + "own result row, attempts and failure message; a run that fails in a pack runs again alone. Larger caps (up to 500) "
            + "suit many short runs of a small model: a pack keeps all its runs' inputs and outputs in the pod's scratch space "
            + "until it ends.")
    public Integer maxRunsPerJob = 32;
}
