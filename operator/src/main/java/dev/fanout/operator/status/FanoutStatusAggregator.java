package dev.fanout.operator.status;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.SlotsStatus;
import dev.fanout.operator.tasks.TaskEngine;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Turns what the task engine saw into the resource's phase, progress, window, times, ETA and conditions, the same way for
 * every kind: Succeeded/Ready (so `kubectl wait --for=condition=Succeeded` works), Progressing, Degraded.
 */
public final class FanoutStatusAggregator {
    private FanoutStatusAggregator() {
    }

    /**
     * @param aggregatePhase null when there is no aggregate step (yet); else its phase
     * @param meanTaskSeconds mean duration of finished tasks, or null
     */
    public static void apply(FanoutStatus st, long generation, TaskEngine.Pass pass, Phase aggregatePhase, String failure,
            Double meanTaskSeconds, boolean degraded) {
        st.observedGeneration = generation;
        st.progress = (pass.succeeded() + pass.failed()) + "/" + pass.total();
        SlotsStatus slots = new SlotsStatus();
        slots.capacity = pass.window();
        slots.running = pass.running();
        st.slots = slots;
        Phase phase;
        if (failure != null) {
            phase = Phase.Failed;
        } else if (pass.allDone() && (aggregatePhase == null || aggregatePhase == Phase.Succeeded)) {
            phase = Phase.Succeeded;
        } else if (pass.allDone()) {
            phase = Phase.Aggregating;
        } else {
            phase = st.startTime == null && pass.running() == 0 ? Phase.Pending : Phase.Running;
        }
        if (st.startTime == null && pass.running() > 0) {
            st.startTime = TaskEngine.now();
        }
        boolean finished = phase == Phase.Succeeded || phase == Phase.Failed;
        if (finished && (st.completionTime == null || st.phase != phase)) {
            st.completionTime = TaskEngine.now();
        } else if (!finished) {
            st.completionTime = null;
        }
        st.phase = phase;
        st.message = failure != null ? failure : switch (phase) {
            case Pending -> "waiting for a slot";
            case Running -> pass.running() + " running, " + pass.waiting() + " waiting, " + st.progress + " done";
            case Aggregating -> "all tasks done, aggregating";
            default -> "done";
        };
        st.estimatedCompletionTime = null;
        if (phase == Phase.Running && meanTaskSeconds != null) {
            int left = pass.total() - pass.succeeded() - pass.failed();
            long rounds = (left + Math.max(1, pass.window()) - 1) / Math.max(1, pass.window());
            st.estimatedCompletionTime = Instant.now().plus(Duration.ofMillis((long) (meanTaskSeconds * 1000 * rounds)))
                    .truncatedTo(ChronoUnit.SECONDS).toString();
        }
        String succeeded = phase == Phase.Succeeded ? "True" : phase == Phase.Failed ? "False" : "Unknown";
        String reason = switch (phase) {
            case Succeeded -> "Succeeded";
            case Failed -> "Failed";
            case Aggregating -> "Aggregating";
            case Running -> "Running";
            default -> "Pending";
        };
        Conditions.set(st, generation, "Succeeded", succeeded, reason, st.message);
        Conditions.set(st, generation, "Ready", succeeded, reason, st.message);
        Conditions.set(st, generation, "Progressing", finished ? "False" : "True", reason, st.progress + " tasks done");
        Conditions.set(st, generation, "Degraded", degraded || phase == Phase.Failed ? "True" : "False",
                degraded || phase == Phase.Failed ? "TaskFailures" : "NoFailures",
                degraded || phase == Phase.Failed ? "some attempts failed; see the task messages" : "");
    }
}
