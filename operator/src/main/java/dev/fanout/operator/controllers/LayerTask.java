package dev.fanout.operator.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.tasks.StatusTask;

/** A layer's status seen as a task of the engine; the worker's load result goes into the layer's fields. */
final class LayerTask extends StatusTask<LayerStatus> {
    LayerTask(LayerStatus s) {
        super(s);
    }

    @Override
    public void clearResult() {
        s.rows = null;
        s.invalidGeometries = null;
        s.bytes = null;
        s.seconds = null;
    }

    @Override
    public void result(JsonNode r) {
        if (r == null) {
            return;
        }
        s.rows = r.path("rows").isNumber() ? r.get("rows").asLong() : null;
        s.invalidGeometries = r.path("invalidGeometries").isNumber() ? r.get("invalidGeometries").asLong() : null;
        s.bytes = r.path("bytes").isNumber() ? r.get("bytes").asLong() : null;
        s.seconds = r.path("seconds").path("total").isNumber() ? r.get("seconds").get("total").asDouble() : null;
    }
}
