package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** Runs the resource again on a schedule, as a CronJob runs its Job. */
public class ScheduleSpec {
    public enum ConcurrencyPolicy { Forbid, Replace }

    @Required
    @JsonPropertyDescription("When to run, as a CronJob's schedule: five fields (minute hour day-of-month month day-of-week, "
            + "e.g. \"0 3 * * *\") or @hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually).")
    public String cron;

    @Default("UTC")
    @JsonPropertyDescription("IANA time zone the cron fields are read in (default UTC), e.g. Europe/Berlin.")
    public String timeZone = "UTC";

    @Default("Forbid")
    @JsonPropertyDescription("Forbid (default): a run never starts while the previous one is still going; it starts once that "
            + "one ends, if still within startingDeadlineSeconds. Replace: the going run is stopped (its Jobs deleted) and the new "
            + "one starts.")
    public ConcurrencyPolicy concurrencyPolicy = ConcurrencyPolicy.Forbid;

    @Min(1)
    @JsonPropertyDescription("A run may start at most this many seconds after its scheduled time (else it is recorded as "
            + "Missed); unset: any time later, e.g. once an operator outage ends (at most one catch-up run).")
    public Long startingDeadlineSeconds;

    @Default("false")
    @JsonPropertyDescription("No scheduled runs while true (a going run goes on).")
    public Boolean suspend = false;

    @Min(1)
    @Max(50)
    @Default("10")
    @JsonPropertyDescription("How many ended runs status.runs keeps (default 10).")
    public Integer historyLimit = 10;
}
