package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ParameterSpace;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun;
import dev.fanout.operator.tasks.TaskEngine;
import dev.fanout.operator.tasks.TaskSet;
import dev.fanout.operator.tasks.TaskLedger;
import dev.fanout.operator.tasks.TaskState;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A 10,000-run batch (Latin hypercube x 2 weather files) keeps a small status through its life: mid-run with a window of
 * live runs and some failures, and at the end; and what a pass writes, the next pass reads back the same.
 */
class BoundedBatchStatusTest {
    @Test
    void tenThousandRunsKeepTheStatusSmallAndReadBackTheSame() {
        EnergySimulationBatch esb = EnergyBatchPlanTest.batch();
        esb.getSpec().constructionSets = null;
        esb.getSpec().parameters.method = ParameterSpace.Method.latinHypercube;
        esb.getSpec().parameters.samples = 5000;
        List<EnergyBatchPlan.Variant> variants = EnergyBatchPlan.variants(esb.getSpec());
        assertThat(EnergyBatchPlan.problems(esb.getSpec(), variants, 10_000)).isEmpty();
        List<TaskSet.Planned> plan = EnergyBatchPlan.plan(esb, variants, "fanout/worker:1"); // what each pass plans
        assertThat(plan).hasSize(10_000);

        // Mid-run: 6,000 succeeded, 300 failed, 50 retrying, a window of 64 live, the rest waiting.
        Map<String, TaskState> states = new LinkedHashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            TaskSet.Planned t = plan.get(i);
            TaskLedger.Entry e = new TaskLedger.Entry();
            e.specHash(t.specHash());
            e.phase(i < 6000 ? TaskPhase.Succeeded : i < 6300 ? TaskPhase.Failed : i < 6350 ? TaskPhase.Retrying
                    : i < 6414 ? TaskPhase.Running : TaskPhase.Pending);
            e.attempts(e.phase() == TaskPhase.Pending ? 0 : e.phase() == TaskPhase.Failed ? 2 : 1);
            e.message(e.phase() == TaskPhase.Failed ? "bad input, not retried: EnergyPlus did not complete (exit code 1, 1 severe errors): "
                    + "** Severe  ** <root>[Material][IN46][thickness] - -0.1 less than the minimum" : null);
            e.job(e.phase() == TaskPhase.Running ? "job-" + i : null);
            e.startTime(e.phase() == TaskPhase.Running ? "2026-11-22T07:00:00Z" : null);
            states.put(t.id(), e);
        }
        EnergySimulationBatchStatus status = new EnergySimulationBatchStatus();
        TaskEngine.Pass pass = new TaskEngine.Pass(10_000, 6000, 300, 64, 3636, 0, 64, false, List.of());
        EnergySimulationBatchReconciler.record(status, plan, states, pass, false);
        int bytes = Serialization.asJson(status).length();
        assertThat(bytes).as("status bytes mid-run").isLessThan(40_000);
        assertThat(status.running).hasSize(64);
        assertThat(status.failures).hasSize(EnergySimulationBatchReconciler.MAX_LISTED_FAILURES);
        assertThat(status.variants.failed).isEqualTo(300);
        assertThat(status.ledger).as("sampled runs are recorded in blocks").isNull();
        assertThat(status.ledgerBlocks.length()).as("6,350 runs in 100 blocks").isLessThan(3_000);

        // The next pass reads every state back from what was written: nothing finished is lost or run again.
        TaskLedger ledger = new TaskLedger(status.ledger, status.ledgerBlocks, plan);
        Map<String, VariantRun> live = new HashMap<>();
        status.running.forEach(r -> live.put(r.id, r));
        for (int i = 0; i < plan.size(); i++) {
            TaskSet.Planned t = plan.get(i);
            TaskPhase expected = states.get(t.id()).phase();
            if (expected == TaskPhase.Running) {
                assertThat(live.get(t.id()).job).isEqualTo("job-" + i);
            } else if (expected == TaskPhase.Pending) {
                assertThat(ledger.find(t.id(), t.specHash())).isNull();
            } else {
                assertThat(ledger.find(t.id(), t.specHash()).phase()).as(t.id()).isEqualTo(expected);
            }
        }
        // Failure messages survive passes in which the ledger (which has no messages) is the only record.
        Map<String, TaskState> again = new LinkedHashMap<>();
        for (TaskSet.Planned t : plan) {
            TaskState s = live.containsKey(t.id()) ? new VariantRunTask(live.get(t.id())) : ledger.find(t.id(), t.specHash());
            again.put(t.id(), s != null ? s : new TaskLedger.Entry());
        }
        EnergySimulationBatchReconciler.record(status, plan, again, pass, false);
        assertThat(status.failures).allSatisfy(f -> assertThat(f.message).contains("less than the minimum"));
    }
}
