package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What packing is sized from: the times measured on this batch's finished Jobs. */
public class PackingStatus {
    @JsonPropertyDescription("Mean seconds of a run's engine process (start to end, its start-up included).")
    public Double runSeconds;
    @JsonPropertyDescription("Mean seconds of a Job that were not its runs' engine processes (pod start, worker starts, results).")
    public Double overheadSeconds;
    @JsonPropertyDescription("Runs per Job of the last packs started (1: runs go alone); the batch's last runs, shared out one per "
            + "slot, leave it as it was.")
    public Integer runsPerJob;
    @JsonPropertyDescription("Per model and weather file, when the batch has several: their runs' measured times.")
    public List<GroupTiming> groups;
}
