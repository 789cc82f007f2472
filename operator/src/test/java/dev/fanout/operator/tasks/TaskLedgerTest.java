package dev.fanout.operator.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskLedgerTest {
    static TaskLedger.Entry state(TaskPhase phase, int attempts, String hash) {
        TaskLedger.Entry e = new TaskLedger.Entry();
        e.phase(phase);
        e.attempts(attempts);
        e.specHash(hash);
        return e;
    }

    @Test
    void tenThousandFinishedTasksFitInAboutOneHundredKilobytesAndComeBack() {
        List<Map.Entry<String, TaskState>> tasks = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            TaskPhase phase = i % 100 == 0 ? TaskPhase.Failed : i % 100 == 1 ? TaskPhase.Retrying : TaskPhase.Succeeded;
            tasks.add(Map.entry("m.w.lhs-" + i, state(phase, 1 + i % 3, "h" + (i % 7))));
        }
        tasks.add(Map.entry("m.w.pending", state(TaskPhase.Pending, 0, "h")));
        tasks.add(Map.entry("m.w.running", state(TaskPhase.Running, 1, "h")));
        String encoded = TaskLedger.encode(tasks);
        assertThat(encoded).hasSize(10_000 * TaskLedger.WIDTH); // pending and running tasks are not in it
        TaskLedger ledger = new TaskLedger(encoded);
        for (int i = 0; i < 10_000; i++) {
            TaskLedger.Entry e = ledger.find("m.w.lhs-" + i, "h" + (i % 7));
            assertThat(e).as("task " + i).isNotNull();
            assertThat(e.attempts()).isEqualTo(1 + i % 3);
            assertThat(e.phase()).isEqualTo(tasks.get(i).getValue().phase());
        }
        assertThat(ledger.find("m.w.pending", "h")).isNull();
        assertThat(ledger.find("m.w.lhs-5", "changed")).as("a changed spec is a new task").isNull();
        // The same tasks in another order encode the same, so an unchanged status is not rewritten.
        List<Map.Entry<String, TaskState>> reversed = new ArrayList<>(tasks);
        java.util.Collections.reverse(reversed);
        assertThat(TaskLedger.encode(reversed)).isEqualTo(encoded);
    }
}
