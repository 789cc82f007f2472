package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.TaskStatus;
import java.util.ArrayList;
import java.util.List;

/** The aggregate (link) Job and its result. */
public class AggregateStatus extends TaskStatus {

    @JsonPropertyDescription("Per link: linked rows and orphans.")
    public List<LinkResult> links = new ArrayList<>();

    @JsonPropertyDescription("Seconds the aggregate took in the worker.")
    public Double seconds;

}
