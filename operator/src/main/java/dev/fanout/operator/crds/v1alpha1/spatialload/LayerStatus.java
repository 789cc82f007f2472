package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;

/** One layer's task as observed. */
public class LayerStatus {
    @JsonPropertyDescription("The layer's name.")
    public String name;

    @JsonPropertyDescription("Pending, Running, Retrying, Succeeded or Failed.")
    public TaskPhase phase;

    @JsonPropertyDescription("The Job of the current or last attempt.")
    public String job;

    @JsonPropertyDescription("Attempts started so far.")
    public Integer attempts;

    @JsonPropertyDescription("Rows loaded.")
    public Long rows;

    @JsonPropertyDescription("Geometries loaded that are not valid (loaded as they are, counted).")
    public Long invalidGeometries;

    @JsonPropertyDescription("Bytes read from the source.")
    public Long bytes;

    @JsonPropertyDescription("Seconds the successful attempt took in the worker.")
    public Double seconds;

    @JsonPropertyDescription("Last message: the worker's error line, or why the task waits.")
    public String message;

    @JsonPropertyDescription("Fingerprint of the layer's spec this status belongs to; a changed spec reloads the layer.")
    public String specHash;

    @JsonPropertyDescription("When the current attempt started.")
    public String startTime;

    @JsonPropertyDescription("When the task finished.")
    public String completionTime;
}
