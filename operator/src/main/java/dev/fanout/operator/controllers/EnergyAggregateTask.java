package dev.fanout.operator.controllers;

import com.fasterxml.jackson.databind.JsonNode;
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
    public void result(JsonNode r) {
        if (r == null) {
            return;
        }
        s.view = text(r, "view");
        s.csv = text(r, "csv");
        s.rows = r.path("rows").isNumber() ? r.get("rows").asLong() : null;
        s.best = text(r, "best");
        s.bestSavingsPercent = number(r, "bestSavingsPercent");
        s.minEui = number(r, "minEui");
        s.medianEui = number(r, "medianEui");
        s.maxEui = number(r, "maxEui");
        s.message = text(r, "warning");
    }

    private static String text(JsonNode r, String f) {
        return r.path(f).isTextual() ? r.get(f).asText() : null;
    }

    private static Double number(JsonNode r, String f) {
        return r.path(f).isNumber() ? Math.round(r.get(f).asDouble() * 1000) / 1000.0 : null;
    }
}
