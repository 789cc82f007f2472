package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import java.util.ArrayList;
import java.util.List;

/** The aggregate (link) Job and its result. */
public class AggregateStatus {
    @JsonPropertyDescription("Pending, Running, Retrying, Succeeded or Failed.")
    public TaskPhase phase;

    @JsonPropertyDescription("The aggregate Job of the current or last attempt.")
    public String job;

    @JsonPropertyDescription("Attempts started so far.")
    public Integer attempts;

    @JsonPropertyDescription("Fingerprint of the layers and links this result belongs to.")
    public String specHash;

    @JsonPropertyDescription("Per link: linked rows and orphans.")
    public List<LinkResult> links = new ArrayList<>();

    @JsonPropertyDescription("Seconds the aggregate took in the worker.")
    public Double seconds;

    @JsonPropertyDescription("Last message.")
    public String message;
}
