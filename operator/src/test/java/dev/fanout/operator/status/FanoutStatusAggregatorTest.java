package dev.fanout.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadStatus;
import dev.fanout.operator.tasks.TaskEngine;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanoutStatusAggregatorTest {
    static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    static TaskEngine.Pass pass(int total, int succeeded, int running, int window) {
        return new TaskEngine.Pass(total, succeeded, 0, running, total - succeeded - running, 0, window, false, List.of());
    }

    static FanoutStatusAggregator.Observation seen(TaskEngine.Pass p, Double mean, String stuck, Instant now) {
        return new FanoutStatusAggregator.Observation(1, p, null, null, mean, false, stuck, 600, false, now);
    }

    @Test
    void theEtaIsTheTasksLeftInWavesOfTheWindowTimesTheMeanTask() {
        SpatialLoadStatus st = new SpatialLoadStatus();
        FanoutStatusAggregator.apply(st, seen(pass(10, 0, 2, 2), null, null, T0));
        assertThat(st.estimatedCompletionTime).as("no task finished yet: no mean, no ETA").isNull();
        // 10 tasks, 3 done, window 2: 7 left = 4 waves of 30 s.
        FanoutStatusAggregator.apply(st, seen(pass(10, 3, 2, 2), 30.0, null, T0));
        assertThat(st.estimatedCompletionTime).isEqualTo("2026-12-03T10:02:00Z");
        assertThat(st.tasks.succeeded).isEqualTo(3);
        assertThat(st.tasks.waiting).isEqualTo(5);
        // Done: no ETA.
        FanoutStatusAggregator.apply(st, seen(pass(10, 10, 0, 2), 30.0, null, T0.plusSeconds(200)));
        assertThat(st.phase).isEqualTo(Phase.Succeeded);
        assertThat(st.estimatedCompletionTime).isNull();
    }

    @Test
    void stalledOnlyWhenNothingChangedForTheTimeAndTheWorkIsBlocked() {
        SpatialLoadStatus st = new SpatialLoadStatus();
        FanoutStatusAggregator.apply(st, seen(pass(3, 0, 1, 1), null, null, T0));
        assertThat(st.lastProgressTime).isEqualTo("2026-12-03T10:00:00Z");
        // Long tasks running normally are no stall, however long.
        FanoutStatusAggregator.apply(st, seen(pass(3, 0, 1, 1), null, null, T0.plusSeconds(3600)));
        assertThat(condition(st, "Stalled")).isEqualTo("False");
        // A pod that cannot be scheduled, for longer than stalledAfterSeconds (600): Stalled, with the reason.
        FanoutStatusAggregator.apply(st, seen(pass(3, 0, 1, 1), null, "pod w-1 is unschedulable: 0/1 nodes are available", T0.plusSeconds(3700)));
        assertThat(condition(st, "Stalled")).isEqualTo("True");
        assertThat(reason(st, "Stalled")).isEqualTo("Unschedulable");
        // A task ends: progress, the stall is over.
        FanoutStatusAggregator.apply(st, seen(pass(3, 1, 1, 1), 10.0, null, T0.plusSeconds(3710)));
        assertThat(condition(st, "Stalled")).isEqualTo("False");
        assertThat(st.lastProgressTime).isEqualTo("2026-12-03T11:01:50Z");
        // Tasks waiting and none running for long: no slot is free.
        FanoutStatusAggregator.apply(st, seen(pass(3, 1, 0, 1), 10.0, null, T0.plusSeconds(3720)));
        FanoutStatusAggregator.apply(st, seen(pass(3, 1, 0, 1), 10.0, null, T0.plusSeconds(3720 + 601)));
        assertThat(reason(st, "Stalled")).isEqualTo("WaitingForCapacity");
    }

    static String condition(SpatialLoadStatus st, String type) {
        return st.conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow().getStatus();
    }

    static String reason(SpatialLoadStatus st, String type) {
        return st.conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow().getReason();
    }
}
