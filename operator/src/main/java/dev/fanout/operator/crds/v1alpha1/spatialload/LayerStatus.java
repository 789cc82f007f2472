package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.TaskStatus;

/** One layer's task as observed. */
public class LayerStatus extends TaskStatus {
    @JsonPropertyDescription("The layer's name.")
    public String name;

    @JsonPropertyDescription("Rows loaded.")
    public Long rows;

    @JsonPropertyDescription("Geometries loaded that are not valid (loaded as they are, counted).")
    public Long invalidGeometries;

    @JsonPropertyDescription("Bytes read from the source.")
    public Long bytes;

    @JsonPropertyDescription("Bytes the successful attempt downloaded: 0 when it read the copy of a shared source another "
            + "layer's task had downloaded (spec.sourceCache).")
    public Long downloadedBytes;

    @JsonPropertyDescription("Seconds the successful attempt took in the worker.")
    public Double seconds;

    @JsonPropertyDescription("What the table holds: the files read, their validators and SHA-256; a later run asks the server "
            + "whether they changed.")
    public LoadedSource source;

    @JsonPropertyDescription("The source's size as its server gave it (Content-Length) when the load was planned: layers "
            + "without a sizeHint start largest first by it.")
    public Long sourceBytes;

    @JsonPropertyDescription("Set by a run that loads the layer again (its source changed, or could not be checked, or a "
            + "reload was asked for); part of the task's fingerprint.")
    public String sourceRevision;

}
