package dev.fanout.operator.schedule;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.RunStatus;
import dev.fanout.operator.crds.v1alpha1.common.ScheduleSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The runs of a resource, CronJob-style: run 1 when it is applied, then a run per scheduled time or reload request. What
 * started is decided from the status alone (the last scheduled time acted on, the runs kept), so a restarted operator never
 * starts a run twice: the status write that records a run is the one that starts it (optimistic locking), and a pass
 * whose write failed is replayed with the same decision.
 * <p>
 * Missed times: only the latest due time counts (at most one catch-up run after an outage); with a starting deadline a
 * time found too late is recorded as Missed instead. Forbid waits for the going run to end, then starts the due time if it
 * is still within the deadline; Replace starts it at once, the going run recorded as Replaced.
 */
public final class Runs {
    /** The annotation whose every new value runs everything again, whatever changed. */
    public static final String RELOAD = "fanout.dev/reload";
    public static final int DEFAULT_HISTORY = 10;
    /** Revisions a run gives the inputs it loads or simulates again (part of their tasks' fingerprints). */
    private static final String SCHEDULED = "run-";
    private static final String FORCED = "reload-";

    /** What to do now. {@code start}: a run started (already in the status); {@code missed}: a time recorded as Missed. */
    public record Step(RunStatus start, boolean forced, RunStatus missed) {
        static final Step NONE = new Step(null, false, null);
    }

    private Runs() {
    }

    /**
     * One pass's decision, applied to the status: a new run (the reload request first, then the schedule), a missed time,
     * or nothing; and the next scheduled time.
     *
     * @param going whether the current run has not ended yet
     * @param createdAt the resource's creation time: schedule times before it never count
     * @param reload the reload annotation's value, or null
     */
    public static Step step(FanoutStatus st, ScheduleSpec schedule, boolean resourceSuspended, boolean going, Instant createdAt,
            String reload, Instant now) {
        if (st.run == null) {
            st.run = run(1, RunStatus.Trigger.Applied, null, now);
            st.run.failedRestarted = true; // nothing ran before it
        }
        int limit = schedule == null || schedule.historyLimit == null ? DEFAULT_HISTORY : schedule.historyLimit;
        if (reload != null && !reload.equals(st.reload)) {
            st.reload = reload;
            return new Step(begin(st, RunStatus.Trigger.Reload, null, going, limit, now), true, null);
        }
        if (schedule == null) {
            st.nextScheduleTime = null;
            return Step.NONE;
        }
        CronSchedule cron = CronSchedule.parse(schedule.cron, schedule.timeZone);
        boolean paused = Boolean.TRUE.equals(schedule.suspend) || resourceSuspended;
        st.nextScheduleTime = paused ? null : cron.nextAfter(now).map(Runs::text).orElse(null);
        if (paused) {
            return Step.NONE;
        }
        Instant due = cron.lastAtOrBefore(now).orElse(null);
        if (due == null || !due.isAfter(cursor(st, createdAt))) {
            return Step.NONE;
        }
        if (schedule.startingDeadlineSeconds != null && Duration.between(due, now).toSeconds() > schedule.startingDeadlineSeconds) {
            RunStatus missed = new RunStatus();
            missed.trigger = RunStatus.Trigger.Schedule;
            missed.scheduledTime = text(due);
            missed.outcome = RunStatus.Outcome.Missed;
            missed.summary = "not started within startingDeadlineSeconds (" + schedule.startingDeadlineSeconds + " s)"
                    + (going ? ": run " + st.run.number + " was still going" : "");
            keep(st, missed, limit);
            return new Step(null, false, missed);
        }
        if (going && schedule.concurrencyPolicy != ScheduleSpec.ConcurrencyPolicy.Replace) {
            return Step.NONE; // Forbid: due stays due until the going run ends
        }
        st.lastScheduleTime = text(due);
        return new Step(begin(st, RunStatus.Trigger.Schedule, due, going, limit, now), false, null);
    }

    /** Records the current run as ended (once), with its outcome and summary, in the history. */
    public static void ended(FanoutStatus st, ScheduleSpec schedule, boolean succeeded, String summary, Instant now) {
        if (st.run == null || st.run.completionTime != null) {
            return;
        }
        st.run.completionTime = st.completionTime != null && !Instant.parse(st.completionTime).isBefore(Instant.parse(st.run.startTime))
                ? st.completionTime : text(now);
        st.run.outcome = succeeded ? RunStatus.Outcome.Succeeded : RunStatus.Outcome.Failed;
        st.run.summary = summary;
        keep(st, copy(st.run), schedule == null || schedule.historyLimit == null ? DEFAULT_HISTORY : schedule.historyLimit);
    }

    /**
     * The revision this run gives an input it takes again: forced (a reload request: the worker replaces the table whatever
     * the bytes) or not (a scheduled run: the worker may keep a table that holds the same bytes).
     */
    public static String revision(RunStatus run, boolean forced) {
        return (forced ? FORCED : SCHEDULED) + run.number;
    }

    /** Whether a revision was given by a scheduled run (not a reload request, not none). */
    public static boolean isScheduledRevision(String revision) {
        return revision != null && revision.startsWith(SCHEDULED);
    }

    /** How long until the next scheduled time, or null when none is coming. */
    public static Duration untilNext(FanoutStatus st, Instant now) {
        if (st.nextScheduleTime == null) {
            return null;
        }
        Duration d = Duration.between(now, Instant.parse(st.nextScheduleTime));
        return d.isNegative() ? Duration.ofSeconds(1) : d.plusMillis(200); // just after it, so it is due
    }

    private static RunStatus begin(FanoutStatus st, RunStatus.Trigger trigger, Instant due, boolean going, int limit, Instant now) {
        if (going && st.run.completionTime == null) {
            RunStatus replaced = copy(st.run);
            replaced.completionTime = text(now);
            replaced.outcome = RunStatus.Outcome.Replaced;
            replaced.summary = "run " + (st.run.number + 1) + " (" + trigger + ") took over";
            keep(st, replaced, limit);
        }
        st.run = run(st.run.number == null ? 2 : st.run.number + 1, trigger, due, now);
        st.run.failedRestarted = false;
        return st.run;
    }

    /** The time after which a due schedule time starts a run: the last one acted on (started or missed), else creation. */
    static Instant cursor(FanoutStatus st, Instant createdAt) {
        Instant c = createdAt;
        List<String> times = new ArrayList<>();
        times.add(st.lastScheduleTime);
        st.runs.stream().filter(r -> r.outcome == RunStatus.Outcome.Missed).forEach(r -> times.add(r.scheduledTime));
        for (String t : times) {
            if (t != null && Instant.parse(t).isAfter(c)) {
                c = Instant.parse(t);
            }
        }
        return c;
    }

    private static void keep(FanoutStatus st, RunStatus ended, int limit) {
        st.runs.removeIf(r -> Objects.equals(r.number, ended.number) && ended.number != null);
        st.runs.add(0, ended);
        while (st.runs.size() > limit) {
            st.runs.remove(st.runs.size() - 1);
        }
    }

    private static RunStatus run(int number, RunStatus.Trigger trigger, Instant due, Instant now) {
        RunStatus r = new RunStatus();
        r.number = number;
        r.trigger = trigger;
        r.scheduledTime = due == null ? null : text(due);
        r.startTime = text(now);
        return r;
    }

    private static RunStatus copy(RunStatus r) {
        RunStatus c = new RunStatus();
        c.number = r.number;
        c.trigger = r.trigger;
        c.scheduledTime = r.scheduledTime;
        c.startTime = r.startTime;
        c.completionTime = r.completionTime;
        c.outcome = r.outcome;
        c.summary = r.summary;
        return c;
    }

    private static String text(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
