package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What every fan-out resource reports. */
public abstract class FanoutStatus {
    @JsonPropertyDescription("Pending, Running, Aggregating, Succeeded or Failed.")
    public Phase phase;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("Finished tasks out of all tasks, as \"k/n\".")
    public String progress;

    @JsonPropertyDescription("Tasks by state.")
    public TaskCounts tasks;

    @JsonPropertyDescription("When a task last changed state (or the phase changed); the Stalled condition counts from it.")
    public String lastProgressTime;

    @JsonPropertyDescription("The last value of the fanout.dev/rerun-failed annotation acted on: its failed tasks ran again.")
    public String rerunFailed;

    @JsonPropertyDescription("The last value of the fanout.dev/reload annotation acted on: everything was loaded or run again.")
    public String reload;

    @JsonPropertyDescription("The current (or last) run.")
    public RunStatus run;

    @JsonPropertyDescription("The last scheduled time a run started for.")
    public String lastScheduleTime;

    @JsonPropertyDescription("The next scheduled time (absent without a schedule or while it is suspended).")
    public String nextScheduleTime;

    @JsonPropertyDescription("Ended runs, newest first, at most spec.schedule.historyLimit (missed and skipped schedules too).")
    public List<RunStatus> runs = new ArrayList<>();

    @JsonPropertyDescription("The capacity window and what runs in it.")
    public SlotsStatus slots;

    @JsonPropertyDescription("When the first task Job was created.")
    public String startTime;

    @JsonPropertyDescription("When the resource reached Succeeded or Failed.")
    public String completionTime;

    @JsonPropertyDescription("Estimated completion time while running, from the mean task duration and the window.")
    public String estimatedCompletionTime;

    @JsonPropertyDescription("One line on the current state or the reason of a failure.")
    public String message;

    @JsonPropertyDescription("Standard conditions: Ready, Succeeded, Progressing, Degraded, Stalled.")
    public List<Condition> conditions = new ArrayList<>();
}
