package dev.fanout.operator.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.operator.crds.v1alpha1.spatialload.AggregateStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.LinkResult;
import dev.fanout.operator.tasks.StatusTask;

/** The link (aggregate) step seen as a task of the engine; its result is the per-link counts. */
final class AggregateTask extends StatusTask<AggregateStatus> {
    AggregateTask(AggregateStatus s) {
        super(s);
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
