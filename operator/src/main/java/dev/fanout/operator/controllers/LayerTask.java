package dev.fanout.operator.controllers;

import dev.fanout.api.results.LoadResult;
import dev.fanout.api.results.Results;
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
    public void result(String json) {
        LoadResult r = Results.read(json, LoadResult.class);
        if (r == null) {
            return;
        }
        s.rows = r.rows();
        s.invalidGeometries = r.invalidGeometries();
        s.bytes = r.bytes();
        s.seconds = r.seconds() == null ? null : r.seconds().total();
    }
}
