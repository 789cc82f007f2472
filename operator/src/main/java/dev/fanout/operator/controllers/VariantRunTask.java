package dev.fanout.operator.controllers;

import dev.fanout.api.results.AggregateResult;
import dev.fanout.api.results.CollectResult;
import dev.fanout.api.results.PackResult;
import dev.fanout.api.results.Results;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun;
import dev.fanout.operator.tasks.StatusTask;

/**
 * A live run listed in the status; its results go to the results table, not the status. Of its Job's result it keeps the
 * engine seconds (of the run, or of its whole pack) for the packing measurements of this pass.
 */
final class VariantRunTask extends StatusTask<VariantRun> {
    /** Engine seconds and runs of the Job that just ended with success (a pack's: all its runs), else null. */
    Double jobEngineSeconds;
    int jobRuns;
    /** The batch's ranking, made by that Job's pack when it may have been the batch's last (collect --rank), else null. */
    AggregateResult jobRanking;

    VariantRunTask(VariantRun s) {
        super(s);
    }

    @Override
    public void clearResult() {
        jobEngineSeconds = null;
        jobRanking = null;
    }

    @Override
    public void result(String json) {
        PackResult pack = json != null && json.contains("\"runs\"") ? Results.read(json, PackResult.class) : null;
        CollectResult one = pack == null ? Results.read(json, CollectResult.class) : null;
        // The engine processes' wall time where the engine step could tell it, else the engine's own elapsed time.
        if (pack != null) {
            jobEngineSeconds = pack.runSeconds() != null ? pack.runSeconds() : pack.engineSeconds();
            jobRuns = pack.runs();
            jobRanking = pack.ranking();
        } else if (one != null && (one.runSeconds() != null || one.engineSeconds() != null)) {
            jobEngineSeconds = one.runSeconds() != null ? one.runSeconds() : one.engineSeconds();
            jobRuns = 1;
        }
    }
}
