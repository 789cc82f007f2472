package dev.fanout.operator.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.tasks.TaskState;

/** A layer's status seen as a task of the engine; the worker's load result goes into the layer's fields. */
final class LayerTask implements TaskState {
    final LayerStatus s;

    LayerTask(LayerStatus s) {
        this.s = s;
    }

    @Override
    public TaskPhase phase() {
        return s.phase;
    }

    @Override
    public void phase(TaskPhase p) {
        s.phase = p;
    }

    @Override
    public String job() {
        return s.job;
    }

    @Override
    public void job(String job) {
        s.job = job;
    }

    @Override
    public int attempts() {
        return s.attempts == null ? 0 : s.attempts;
    }

    @Override
    public void attempts(int n) {
        s.attempts = n;
    }

    @Override
    public String specHash() {
        return s.specHash;
    }

    @Override
    public void specHash(String h) {
        s.specHash = h;
    }

    @Override
    public String message() {
        return s.message;
    }

    @Override
    public void message(String m) {
        s.message = m;
    }

    @Override
    public void startTime(String t) {
        s.startTime = t;
    }

    @Override
    public void completionTime(String t) {
        s.completionTime = t;
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
