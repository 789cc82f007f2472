package dev.fanout.operator.controllers;

import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun;
import dev.fanout.operator.tasks.StatusTask;

/** A live run listed in the status; its results go to the results table, not the status. */
final class VariantRunTask extends StatusTask<VariantRun> {
    VariantRunTask(VariantRun s) {
        super(s);
    }

    @Override
    public void clearResult() {
    }

    @Override
    public void result(String json) {
    }
}
