package dev.fanout.operator.controllers;

import dev.fanout.api.results.Results;
import dev.fanout.operator.crds.v1alpha1.spatialload.AggregateStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.LinkResult;
import dev.fanout.operator.tasks.StatusTask;
import java.util.List;

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
    public void result(String json) {
        dev.fanout.api.results.LinkResult r = Results.read(json, dev.fanout.api.results.LinkResult.class);
        if (r == null) {
            return;
        }
        s.links.clear();
        for (var l : r.links() == null ? List.<dev.fanout.api.results.LinkResult.Link>of() : r.links()) {
            LinkResult lr = new LinkResult();
            lr.child = l.child();
            lr.parent = l.parent();
            lr.fkColumn = l.fkColumn();
            lr.linked = l.linked();
            lr.orphans = l.orphans();
            s.links.add(lr);
        }
        s.seconds = r.seconds();
    }
}
