package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import java.util.ArrayList;
import java.util.List;

public class SpatialLoadStatus extends FanoutStatus {
    @JsonPropertyDescription("Per layer: phase, Job, attempts, rows, seconds, message.")
    public List<LayerStatus> layers = new ArrayList<>();

    @JsonPropertyDescription("The aggregate Job that fills the foreign keys, once every layer is loaded.")
    public AggregateStatus aggregate;
}
