package dev.fanout.operator.status;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.SlotsStatus;
import dev.fanout.operator.crds.v1alpha1.common.TaskCounts;
import dev.fanout.operator.tasks.TaskEngine;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Turns what the task engine saw into the resource's phase, progress, task counts, window, times, ETA and conditions, the
 * same way for every kind: Succeeded/Ready (so `kubectl wait --for=condition=Succeeded` works), Progressing, Degraded,
 * Stalled.
 */
public final class FanoutStatusAggregator {
    private FanoutStatusAggregator() {
    }

    /**
     * What a reconcile observed.
     *
     * @param aggregatePhase null when there is no aggregate step (yet); else its phase
     * @param meanTaskSeconds mean duration of finished tasks, or null
     * @param stuck why a task cannot start (the first such task's message), or null
     * @param stalledAfterSeconds how long without a change before Stalled may turn True
     */
    public record Observation(long generation, TaskEngine.Pass pass, Phase aggregatePhase, String failure, Double meanTaskSeconds,
            boolean degraded, String stuck, long stalledAfterSeconds, boolean suspended, Instant now) {

        /** A spec the reconciler refused: nothing ran. */
        public static Observation invalid(long generation, String failure, Instant now) {
            return new Observation(generation, TaskEngine.Pass.none(0), null, failure, null, false, null, Long.MAX_VALUE, false, now);
        }
    }

    public static void apply(FanoutStatus st, Observation o) {
        TaskEngine.Pass pass = o.pass();
        String now = o.now().truncatedTo(ChronoUnit.SECONDS).toString();
        st.observedGeneration = o.generation();
        st.progress = (pass.succeeded() + pass.failed()) + "/" + pass.total();
        SlotsStatus slots = new SlotsStatus();
        slots.capacity = pass.window();
        slots.running = pass.running();
        st.slots = slots;
        Phase phase;
        if (o.failure() != null) {
            phase = Phase.Failed;
        } else if (pass.allDone() && (o.aggregatePhase() == null || o.aggregatePhase() == Phase.Succeeded)) {
            phase = Phase.Succeeded;
        } else if (o.suspended() && !(pass.allDone() && o.aggregatePhase() == Phase.Running)) {
            phase = Phase.Suspended;
        } else if (pass.allDone()) {
            phase = Phase.Aggregating;
        } else {
            phase = st.startTime == null && pass.running() == 0 ? Phase.Pending : Phase.Running;
        }
        TaskCounts counts = new TaskCounts(pass.total(), pass.succeeded(), pass.failed(), pass.running(), pass.waiting());
        if (!counts.sameAs(st.tasks) || phase != st.phase || st.lastProgressTime == null) {
            st.lastProgressTime = now;
        }
        st.tasks = counts;
        if (st.startTime == null && pass.running() > 0) {
            st.startTime = now;
        }
        boolean finished = phase.finished();
        if (finished && (st.completionTime == null || st.phase != phase)) {
            st.completionTime = now;
        } else if (!finished) {
            st.completionTime = null;
        }
        st.phase = phase;
        st.message = o.failure() != null ? o.failure() : switch (phase) {
            case Pending -> "waiting for a slot";
            case Suspended -> "suspended (spec.suspend): " + pass.running() + " running finish, " + pass.waiting() + " waiting; set "
                    + "spec.suspend to false to resume";
            case Running -> pass.running() + " running, " + pass.waiting() + " waiting, " + st.progress + " done";
            case Aggregating -> "all tasks done, aggregating";
            default -> "done";
        };
        st.estimatedCompletionTime = phase == Phase.Running ? eta(pass, o.meanTaskSeconds(), o.now()) : null;
        String succeeded = phase == Phase.Succeeded ? "True" : phase == Phase.Failed ? "False" : "Unknown";
        String reason = switch (phase) {
            case Succeeded -> "Succeeded";
            case Failed -> "Failed";
            case Aggregating -> "Aggregating";
            case Running -> "Running";
            case Suspended -> "Suspended";
            default -> "Pending";
        };
        long gen = o.generation();
        Conditions.set(st, gen, "Succeeded", succeeded, reason, st.message, o.now());
        Conditions.set(st, gen, "Ready", succeeded, reason, st.message, o.now());
        Conditions.set(st, gen, "Progressing", finished ? "False" : "True", reason, st.progress + " tasks done", o.now());
        boolean degraded = o.degraded() || phase == Phase.Failed;
        Conditions.set(st, gen, "Degraded", degraded ? "True" : "False", degraded ? "TaskFailures" : "NoFailures",
                degraded ? "some attempts failed; see the task messages" : "", o.now());
        String[] stalled = finished || phase == Phase.Suspended ? null : stalled(st, pass, o);
        Conditions.set(st, gen, "Stalled", stalled == null ? "False" : "True",
                stalled != null ? stalled[0] : finished ? "Finished" : phase == Phase.Suspended ? "Suspended" : "Progressing",
                stalled == null ? "" : stalled[1], o.now());
    }

    /**
     * The ETA: the tasks left, in waves of the window, each wave the mean task's duration. Null until a task finished.
     */
    static String eta(TaskEngine.Pass pass, Double meanTaskSeconds, Instant now) {
        if (meanTaskSeconds == null) {
            return null;
        }
        int left = pass.total() - pass.succeeded() - pass.failed();
        int window = Math.max(1, pass.window());
        long waves = (left + window - 1) / window;
        return now.plus(Duration.ofMillis((long) (meanTaskSeconds * 1000 * waves))).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * {reason, message} when nothing changed for stalledAfterSeconds and the work is blocked, not merely long: a task that
     * cannot start (its message says why), or tasks waiting while none runs (no slot: the cluster is full or the
     * namespace's quota is used up). Long-running tasks are not a stall; their deadline is spec.taskTimeoutSeconds.
     */
    private static String[] stalled(FanoutStatus st, TaskEngine.Pass pass, Observation o) {
        long quiet = Duration.between(Instant.parse(st.lastProgressTime), o.now()).toSeconds();
        if (quiet < o.stalledAfterSeconds()) {
            return null;
        }
        String since = " (no task changed state for " + quiet + " s)";
        if (o.stuck() != null) {
            String reason = o.stuck().contains("unschedulable") ? "Unschedulable" : "ContainerCannotStart";
            return new String[] {reason, o.stuck() + since};
        }
        if (pass.running() == 0 && pass.waiting() > 0) {
            return new String[] {"WaitingForCapacity", pass.waiting() + " tasks wait and none runs: no slot is free (the cluster "
                    + "is full or the namespace's ResourceQuota is used up)" + since};
        }
        return null;
    }
}
