package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts and bounded lists only: the running runs (at most the window), the first failures; the finished runs are kept in
 * {@link #ledger}, about ten bytes each, and sampled runs in {@link #ledgerBlocks}, a few bytes per 64, so a 100,000-run
 * batch stays far below the object size limit.
 */
public class EnergySimulationBatchStatus extends FanoutStatus {
    @JsonPropertyDescription("Runs per state.")
    public VariantCounts variants = new VariantCounts();

    @JsonPropertyDescription("Runs with a live Job of their own (at most the capacity window).")
    public List<VariantRun> running = new ArrayList<>();

    @JsonPropertyDescription("Live packs: Jobs running several runs each (spec.packing), their runs by place in the run order.")
    public List<RunPack> packs = new ArrayList<>();

    @JsonPropertyDescription("The first failed runs with their messages (at most 20; variants.failed has the count).")
    public List<VariantRun> failures = new ArrayList<>();

    @JsonPropertyDescription("Compact record of finished and retrying runs (a fingerprint of run id and spec, the phase and the "
            + "attempts), so restarts and spec changes never rerun a finished run. Not for humans.")
    public String ledger;

    @JsonPropertyDescription("The same record for sampled runs (spec.parameters), in blocks of 64 runs: a few bytes per block. "
            + "Not for humans.")
    public String ledgerBlocks;

    @JsonPropertyDescription("With a schedule: the input files as last seen; a scheduled run simulates again only the runs whose "
            + "model or weather changed (and those that failed).")
    public List<InputVersion> inputs = new ArrayList<>();

    @JsonPropertyDescription("Measured run and Job times, and the runs per Job they give (spec.packing).")
    public PackingStatus packing;

    @JsonPropertyDescription("The aggregate Job that ranks the results, once every run is done.")
    public EnergyAggregateStatus aggregate;
}
