package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The worker image used by task and aggregate Jobs. */
public class WorkerSpec {
    @JsonPropertyDescription("Worker image; default from the operator's configuration (fanout/worker:<operator version>).")
    public String image;

    @JsonPropertyDescription("Image pull policy of task pods (default: Kubernetes' own default for the tag).")
    public String imagePullPolicy;
}
