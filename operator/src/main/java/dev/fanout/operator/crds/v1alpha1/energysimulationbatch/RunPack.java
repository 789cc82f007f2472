package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A live pack: one Job running several runs. Its runs are named by their places in the plan, not listed one by one, so
 * a window of large packs keeps the status small.
 */
public class RunPack {
    @JsonPropertyDescription("The pack's Job.")
    public String job;

    @JsonPropertyDescription("Its runs: places in the batch's run order (models, weather, variants), as ranges, e.g. 0-31,40-45.")
    public String runs;

    @JsonPropertyDescription("Fingerprint of its runs' ids and specs: a spec change since is seen, and its runs are matched with the Job again.")
    public String specHash;

    @JsonPropertyDescription("When the Job was created.")
    public String startTime;

    @JsonPropertyDescription("Why the pack's pod waits, if it does.")
    public String message;
}
