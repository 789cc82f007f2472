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

    static List<TaskSet.Planned> series(int n, String hash) {
        List<TaskSet.Planned> plan = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = i < n / 2 ? "m1/w" : "m2/w";
            plan.add(new TaskSet.Planned(key + ".lhs-" + i, hash + i, List.of(), TaskJobs.Layout.WORKER_ONLY, key, key));
        }
        plan.add(new TaskSet.Planned("m1/w.as-built", "h", List.of(), TaskJobs.Layout.WORKER_ONLY, "m1/w")); // not sampled
        return plan;
    }

    @Test
    void aHundredThousandSampledRunsFitInTensOfKilobytesAndAChangeRerunsOnlyItsBlock() {
        List<TaskSet.Planned> plan = series(100_000, "h");
        java.util.Map<String, TaskState> states = new java.util.HashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            TaskPhase phase = i % 1000 == 7 ? TaskPhase.Failed : i % 1000 == 8 ? TaskPhase.Retrying : i % 1000 == 9 ? TaskPhase.Running
                    : i % 1000 == 10 ? TaskPhase.Pending : TaskPhase.Succeeded;
            int attempts = phase == TaskPhase.Pending ? 0 : phase == TaskPhase.Succeeded ? 1 + (i % 50 == 0 ? 1 : 0) : 2 + i % 2;
            states.put(plan.get(i).id(), state(phase, attempts, plan.get(i).specHash()));
        }
        TaskLedger.Encoded encoded = TaskLedger.encode(plan, states);
        assertThat(encoded.entries()).as("the run not sampled, one by one").hasSize(TaskLedger.WIDTH);
        assertThat(encoded.blocks().length()).as("100,000 runs with their attempts").isLessThan(256 * 1024);
        TaskLedger ledger = new TaskLedger(encoded.entries(), encoded.blocks(), plan);
        for (TaskSet.Planned t : plan) {
            TaskState s = states.get(t.id());
            TaskLedger.Entry e = ledger.find(t.id(), t.specHash());
            if (s.phase() == TaskPhase.Pending || s.phase() == TaskPhase.Running) {
                assertThat(e).as(t.id()).isNull();
            } else {
                assertThat(e).as(t.id()).isNotNull();
                assertThat(e.phase()).as(t.id()).isEqualTo(s.phase());
                assertThat(e.attempts()).as(t.id()).isEqualTo(s.attempts());
            }
        }
        assertThat(TaskLedger.encode(plan, states)).as("the same states, the same record").isEqualTo(encoded);

        // All succeeded: a few bytes per block of 64.
        states.replaceAll((id, s) -> state(TaskPhase.Succeeded, 1, s.specHash()));
        assertThat(TaskLedger.encode(plan, states).blocks().length()).as("about 16 bytes per block of 64").isLessThan(26_000);

        // One run's spec changes: its block of 64 runs is not found (they run again), every other run still is.
        List<TaskSet.Planned> changed = new ArrayList<>(plan);
        TaskSet.Planned old = changed.get(130);
        changed.set(130, new TaskSet.Planned(old.id(), "changed", List.of(), TaskJobs.Layout.WORKER_ONLY, old.packKey(), old.series()));
        TaskLedger after = new TaskLedger(encoded.entries(), encoded.blocks(), changed);
        for (int i = 0; i < changed.size(); i++) {
            TaskSet.Planned t = changed.get(i);
            boolean recorded = states.containsKey(t.id()) && i % 1000 != 9 && i % 1000 != 10;
            if (i >= 128 && i < 192) {
                assertThat(after.find(t.id(), t.specHash())).as(t.id() + ": in the changed block").isNull();
            } else if (recorded) {
                assertThat(after.find(t.id(), t.specHash())).as(t.id()).isNotNull();
            }
        }
        // A ledger written one by one (before blocks) is still read.
        List<Map.Entry<String, TaskState>> alone = new ArrayList<>();
        plan.subList(0, 100).forEach(t -> alone.add(Map.entry(t.id(), state(TaskPhase.Succeeded, 1, t.specHash()))));
        TaskLedger before = new TaskLedger(TaskLedger.encode(alone), null, plan);
        assertThat(before.find(plan.get(42).id(), plan.get(42).specHash()).phase()).isEqualTo(TaskPhase.Succeeded);
    }
}
