package dev.fanout.api.results;

import dev.fanout.api.IndexRanges;
import java.util.List;
import java.util.Optional;

/**
 * What {@code energy collect} reports for a pack: how many runs it looked at, the ones that failed, the engine seconds of
 * all runs. Every run not named in a failure succeeded and has its row in the results table. {@code runSeconds}: the engine
 * processes' wall time over all runs, where known.
 * <p>
 * {@code failures} groups the runs that failed alike (the same exit code and line, as a run of its own would have had) by
 * their indexes in the pack, so that a pack of hundreds of runs that all fail for one reason still fits a termination
 * message; messages are cut to fit whatever the number of groups. {@code failed} is how workers before the groups reported
 * failures, one per run; it is still read. A result with neither says nothing of its runs (an operator that does not know
 * {@code failures} then retries them all alone, which is safe).
 * <p>
 * {@code ranking}: what {@code energy aggregate} would report, made by a pack started with {@code --rank} (one that may end
 * its batch) after its rows were written, when none of its runs failed.
 */
public record PackResult(String task, int runs, List<FailedRuns> failures, double engineSeconds, String table, Double runSeconds,
        List<RunFailure> failed, AggregateResult ranking) {
    public PackResult(String task, int runs, List<FailedRuns> failures, double engineSeconds, String table, Double runSeconds) {
        this(task, runs, failures, engineSeconds, table, runSeconds, null, null);
    }

    public PackResult(String task, int runs, List<FailedRuns> failures, double engineSeconds, String table, Double runSeconds,
            List<RunFailure> failed) {
        this(task, runs, failures, engineSeconds, table, runSeconds, failed, null);
    }

    /** Runs that failed alike: their indexes in the pack as ranges ({@code 1,3,5-9}), the exit code and error line. */
    public record FailedRuns(String runs, int exitCode, String message) {
    }

    /** One run's failure, as older workers reported it. */
    public record RunFailure(int index, int exitCode, String message) {
    }

    /** Whether the result says how each run ended (every run not named in a failure succeeded). */
    public boolean outcomesKnown() {
        return failures != null || failed != null;
    }

    /** The failure of the run at {@code index}, if it failed. */
    public Optional<RunFailure> failureOf(int index) {
        if (failures != null) {
            return failures.stream().filter(f -> IndexRanges.contains(f.runs(), index)).findFirst()
                    .map(f -> new RunFailure(index, f.exitCode(), f.message()));
        }
        return failed == null ? Optional.empty() : failed.stream().filter(f -> f.index() == index).findFirst();
    }
}
