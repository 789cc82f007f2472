package dev.fanout.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.RunStatus;
import dev.fanout.operator.crds.v1alpha1.common.ScheduleSpec;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunsTest {
    private static final Instant CREATED = Instant.parse("2026-12-03T10:00:30Z");

    private static FanoutStatus status() {
        return new FanoutStatus() {
        };
    }

    private static ScheduleSpec every5() {
        ScheduleSpec s = new ScheduleSpec();
        s.cron = "*/5 * * * *";
        return s;
    }

    private static Runs.Step step(FanoutStatus st, ScheduleSpec s, boolean going, String reload, String now) {
        return Runs.step(st, s, false, going, CREATED, reload, Instant.parse(now));
    }

    @Test
    void theFirstRunIsTheApplyAndNoScheduleMeansNoOther() {
        FanoutStatus st = status();
        assertThat(step(st, null, false, null, "2026-12-03T12:00:00Z").start()).isNull();
        assertThat(st.run.number).isEqualTo(1);
        assertThat(st.run.trigger).isEqualTo(RunStatus.Trigger.Applied);
        assertThat(st.nextScheduleTime).isNull();
    }

    @Test
    void aDueTimeStartsOneRunAndAReplayedPassStartsNoOther() {
        FanoutStatus st = status();
        assertThat(step(st, every5(), false, null, "2026-12-03T10:04:00Z").start()).isNull();
        assertThat(st.nextScheduleTime).isEqualTo("2026-12-03T10:05:00Z");
        Runs.Step s = step(st, every5(), false, null, "2026-12-03T10:05:00.200Z");
        assertThat(s.start().number).isEqualTo(2);
        assertThat(s.start().scheduledTime).isEqualTo("2026-12-03T10:05:00Z");
        assertThat(st.lastScheduleTime).isEqualTo("2026-12-03T10:05:00Z");
        assertThat(st.nextScheduleTime).isEqualTo("2026-12-03T10:10:00Z");
        // The status written, the operator restarted: the same time never starts again.
        assertThat(step(st, every5(), false, null, "2026-12-03T10:05:03Z").start()).isNull();
        assertThat(step(st, every5(), false, null, "2026-12-03T10:09:59Z").start()).isNull();
    }

    @Test
    void afterAnOutageOnlyTheLatestMissedTimeRunsOnce() {
        FanoutStatus st = status();
        st.lastScheduleTime = "2026-12-03T10:05:00Z";
        Runs.Step s = step(st, every5(), false, null, "2026-12-03T11:02:00Z");
        assertThat(s.start().scheduledTime).isEqualTo("2026-12-03T11:00:00Z");
        assertThat(step(st, every5(), false, null, "2026-12-03T11:02:10Z").start()).isNull();
    }

    @Test
    void aTimeFoundPastTheStartingDeadlineIsMissedOnce() {
        FanoutStatus st = status();
        ScheduleSpec s = every5();
        s.startingDeadlineSeconds = 60L;
        st.lastScheduleTime = "2026-12-03T10:05:00Z";
        Runs.Step late = step(st, s, false, null, "2026-12-03T10:12:00Z");
        assertThat(late.start()).isNull();
        assertThat(late.missed().scheduledTime).isEqualTo("2026-12-03T10:10:00Z");
        assertThat(st.runs).extracting(r -> r.outcome).containsExactly(RunStatus.Outcome.Missed);
        assertThat(step(st, s, false, null, "2026-12-03T10:13:00Z").missed()).isNull();
        assertThat(step(st, s, false, null, "2026-12-03T10:15:10Z").start().scheduledTime).isEqualTo("2026-12-03T10:15:00Z");
    }

    @Test
    void forbidWaitsForTheGoingRunThenStartsWithinTheDeadline() {
        FanoutStatus st = status();
        ScheduleSpec s = every5();
        s.startingDeadlineSeconds = 120L;
        assertThat(step(st, s, true, null, "2026-12-03T10:05:01Z").start()).isNull();
        assertThat(step(st, s, false, null, "2026-12-03T10:06:00Z").start().scheduledTime).isEqualTo("2026-12-03T10:05:00Z");
        // Still going past the deadline: missed, not started.
        assertThat(step(st, s, true, null, "2026-12-03T10:10:01Z").start()).isNull();
        Runs.Step late = step(st, s, false, null, "2026-12-03T10:13:00Z");
        assertThat(late.start()).isNull();
        assertThat(late.missed().scheduledTime).isEqualTo("2026-12-03T10:10:00Z");
    }

    @Test
    void replaceStartsAtOnceAndRecordsTheGoingRunAsReplaced() {
        FanoutStatus st = status();
        ScheduleSpec s = every5();
        s.concurrencyPolicy = ScheduleSpec.ConcurrencyPolicy.Replace;
        step(st, s, true, null, "2026-12-03T10:01:00Z");
        Runs.Step r = step(st, s, true, null, "2026-12-03T10:05:01Z");
        assertThat(r.start().number).isEqualTo(2);
        assertThat(st.runs).hasSize(1);
        assertThat(st.runs.get(0).number).isEqualTo(1);
        assertThat(st.runs.get(0).outcome).isEqualTo(RunStatus.Outcome.Replaced);
    }

    @Test
    void suspendedSchedulesStartNothingAndCatchUpOnceOnResume() {
        FanoutStatus st = status();
        ScheduleSpec s = every5();
        s.suspend = true;
        assertThat(step(st, s, false, null, "2026-12-03T10:05:01Z").start()).isNull();
        assertThat(st.nextScheduleTime).isNull();
        assertThat(Runs.step(st, every5(), true, false, CREATED, null, Instant.parse("2026-12-03T10:05:02Z")).start())
                .as("spec.suspend pauses the schedule too").isNull();
        s.suspend = false;
        assertThat(step(st, s, false, null, "2026-12-03T10:21:00Z").start().scheduledTime).isEqualTo("2026-12-03T10:20:00Z");
    }

    @Test
    void eachNewReloadValueStartsAForcedRunOnce() {
        FanoutStatus st = status();
        Runs.Step r = step(st, null, false, "a", "2026-12-03T10:01:00Z");
        assertThat(r.forced()).isTrue();
        assertThat(r.start().trigger).isEqualTo(RunStatus.Trigger.Reload);
        assertThat(st.reload).isEqualTo("a");
        assertThat(step(st, null, false, "a", "2026-12-03T10:02:00Z").start()).isNull();
        assertThat(step(st, null, false, "b", "2026-12-03T10:03:00Z").start().number).isEqualTo(3);
    }

    @Test
    void endedRunsAreKeptNewestFirstUpToTheLimit() {
        FanoutStatus st = status();
        ScheduleSpec s = every5();
        s.historyLimit = 2;
        for (int i = 0; i < 4; i++) {
            step(st, s, false, "r" + i, "2026-12-03T10:0" + i + ":40Z");
            Runs.ended(st, s, i % 2 == 0, "summary " + i, Instant.parse("2026-12-03T10:0" + i + ":50Z"));
            Runs.ended(st, s, true, "twice", Instant.parse("2026-12-03T10:0" + i + ":55Z")); // once only
        }
        assertThat(st.runs).extracting(r -> r.number).containsExactly(5, 4);
        assertThat(st.runs).extracting(r -> r.summary).containsExactly("summary 3", "summary 2");
        assertThat(st.runs).extracting(r -> r.outcome).containsExactly(RunStatus.Outcome.Failed, RunStatus.Outcome.Succeeded);
    }

    @Test
    void timeZonesAndMacrosAreReadAsCronJobReadsThem() {
        CronSchedule berlin = CronSchedule.parse("0 3 * * *", "Europe/Berlin");
        assertThat(berlin.nextAfter(Instant.parse("2026-12-03T00:00:00Z"))).contains(Instant.parse("2026-12-03T02:00:00Z"));
        assertThat(CronSchedule.parse("@hourly", null).nextAfter(Instant.parse("2026-12-03T10:15:00Z")))
                .contains(Instant.parse("2026-12-03T11:00:00Z"));
        assertThat(CronSchedule.parse("* * * * *", "UTC").lastAtOrBefore(Instant.parse("2026-12-03T10:15:00Z")))
                .contains(Instant.parse("2026-12-03T10:15:00Z"));
    }

    @Test
    void badSchedulesNameTheFieldAndTheFix() {
        assertThatThrownBy(() -> CronSchedule.parse("every day", "UTC")).hasMessageContaining("spec.schedule.cron 'every day'")
                .hasMessageContaining("five fields");
        assertThatThrownBy(() -> CronSchedule.parse("0 3 * * *", "Mars/Olympus")).hasMessageContaining("spec.schedule.timeZone")
                .hasMessageContaining("IANA");
        assertThatThrownBy(() -> CronSchedule.parse("CRON_TZ=UTC 0 3 * * *", "UTC")).hasMessageContaining("spec.schedule.timeZone");
        assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", "UTC")).hasMessageContaining("spec.schedule.cron");
    }
}
