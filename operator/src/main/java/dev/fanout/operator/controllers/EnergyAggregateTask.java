package dev.fanout.operator.controllers;

import dev.fanout.api.results.AggregateResult;
import dev.fanout.api.results.Results;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergyAggregateStatus;
import dev.fanout.operator.tasks.StatusTask;

/** The ranking step seen as a task of the engine; its result is the batch summary. */
final class EnergyAggregateTask extends StatusTask<EnergyAggregateStatus> {
    EnergyAggregateTask(EnergyAggregateStatus s) {
        super(s);
    }

    @Override
    public void clearResult() {
        s.view = null;
        s.csv = null;
        s.rows = null;
        s.best = null;
        s.bestSavingsPercent = null;
        s.minEui = null;
        s.medianEui = null;
        s.maxEui = null;
    }

    @Override
    public void result(String json) {
        AggregateResult r = Results.read(json, AggregateResult.class);
        if (r == null) {
            return;
        }
        s.view = r.view();
        s.csv = r.csv();
        s.rows = r.rows();
        s.best = r.best();
        s.bestSavingsPercent = rounded(r.bestSavingsPercent());
        s.minEui = rounded(r.minEui());
        s.medianEui = rounded(r.medianEui());
        s.maxEui = rounded(r.maxEui());
        s.message = r.warning();
    }

    private static Double rounded(Double d) {
        return d == null ? null : Math.round(d * 1000) / 1000.0;
    }
}
