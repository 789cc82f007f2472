package dev.fanout.operator.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A cron expression read as a CronJob's schedule is (five Unix fields, or a macro such as @daily) in a time zone, and the
 * times it fires. Parsing and time arithmetic are cron-utils'; the macros are mapped here, as CronJob's parser maps them.
 */
public final class CronSchedule {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Map<String, String> MACROS = Map.of("@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    private final ExecutionTime times;
    private final ZoneId zone;

    private CronSchedule(ExecutionTime times, ZoneId zone) {
        this.times = times;
        this.zone = zone;
    }

    /**
     * The schedule, or an exception whose message names the field and the fix.
     *
     * @throws IllegalArgumentException for an expression or time zone that cannot be read
     */
    public static CronSchedule parse(String expression, String timeZone) {
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("spec.schedule.timeZone '" + timeZone + "' is not a time zone: use an IANA name "
                    + "such as UTC or Europe/Berlin");
        }
        String cron = expression == null ? "" : expression.trim();
        if (cron.toUpperCase(Locale.ROOT).startsWith("TZ=") || cron.toUpperCase(Locale.ROOT).startsWith("CRON_TZ=")) {
            throw new IllegalArgumentException("spec.schedule.cron '" + expression + "' sets its time zone inline: put it in "
                    + "spec.schedule.timeZone instead");
        }
        String fields = MACROS.getOrDefault(cron.toLowerCase(Locale.ROOT), cron);
        try {
            Cron parsed = UNIX.parse(fields);
            parsed.validate();
            return new CronSchedule(ExecutionTime.forCron(parsed), zone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec.schedule.cron '" + expression + "' is not a cron schedule (" + e.getMessage()
                    + "): write five fields, minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\", or @hourly, @daily, "
                    + "@weekly, @monthly, @yearly");
        }
    }

    /** The latest time the schedule fires at or before {@code now}, if any. */
    public Optional<Instant> lastAtOrBefore(Instant now) {
        ZonedDateTime t = now.atZone(zone);
        if (times.isMatch(t.withNano(0)) && t.getSecond() == 0) {
            return Optional.of(t.withNano(0).toInstant());
        }
        return times.lastExecution(t).map(ZonedDateTime::toInstant);
    }

    /** The first time the schedule fires after {@code now}, if any. */
    public Optional<Instant> nextAfter(Instant now) {
        return times.nextExecution(now.atZone(zone)).map(ZonedDateTime::toInstant);
    }
}
