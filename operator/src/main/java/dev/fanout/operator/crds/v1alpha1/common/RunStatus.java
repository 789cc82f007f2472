package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One run of a resource: the first one when it is applied, then one per schedule or reload request. */
public class RunStatus {
    public enum Trigger { Applied, Schedule, Reload }

    public enum Outcome { Succeeded, Failed, Replaced, Missed }

    @JsonPropertyDescription("1 for the run started when the resource was applied, then counting up.")
    public Integer number;

    @JsonPropertyDescription("Applied, Schedule or Reload (the fanout.dev/reload annotation).")
    public Trigger trigger;

    @JsonPropertyDescription("The schedule time this run is for (scheduled runs).")
    public String scheduledTime;

    @JsonPropertyDescription("When the run started.")
    public String startTime;

    @JsonPropertyDescription("When the run ended.")
    public String completionTime;

    @JsonPropertyDescription("Succeeded, Failed, Replaced (a newer run took over) or Missed (not started within startingDeadlineSeconds).")
    public Outcome outcome;

    @JsonPropertyDescription("Whether the tasks that had failed for good in the last run were started again for this one.")
    public Boolean failedRestarted;

    @JsonPropertyDescription("What the run did, e.g. \"3 layers: 1 loaded (250 rows), 2 unchanged; links re-run\".")
    public String summary;
}
