package dev.fanout.operator.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.spatialload.AggregateStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.LinkResult;
import dev.fanout.operator.tasks.TaskState;

/** The link (aggregate) step seen as a task of the engine; its result is the per-link counts. */
final class AggregateTask implements TaskState {
    final AggregateStatus s;

    AggregateTask(AggregateStatus s) {
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
    }

    @Override
    public void completionTime(String t) {
    }

    @Override
    public void clearResult() {
        s.links.clear();
        s.seconds = null;
    }

    @Override
    public void result(JsonNode r) {
        if (r == null) {
            return;
        }
        s.links.clear();
        for (JsonNode l : r.path("links")) {
            LinkResult lr = new LinkResult();
            lr.child = l.path("child").asText();
            lr.parent = l.path("parent").asText();
            lr.fkColumn = l.path("fkColumn").asText();
            lr.linked = l.path("linked").asLong();
            lr.orphans = l.path("orphans").asLong();
            s.links.add(lr);
        }
        s.seconds = r.path("seconds").isNumber() ? r.get("seconds").asDouble() : null;
    }
}
