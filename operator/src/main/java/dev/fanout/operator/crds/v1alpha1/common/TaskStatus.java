package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What every recorded task reports (a layer, an aggregate, later a variant). */
public abstract class TaskStatus {
    @JsonPropertyDescription("Pending, Running, Retrying, Succeeded or Failed.")
    public TaskPhase phase;

    @JsonPropertyDescription("The Job of the current or last attempt.")
    public String job;

    @JsonPropertyDescription("Attempts started so far.")
    public Integer attempts;

    @JsonPropertyDescription("Last message: the worker's error line, or why the task waits.")
    public String message;

    @JsonPropertyDescription("Fingerprint of the spec this status belongs to; a changed spec runs the task again.")
    public String specHash;

    @JsonPropertyDescription("When the current attempt started.")
    public String startTime;

    @JsonPropertyDescription("When the task finished.")
    public String completionTime;
}
