package dev.fanout.api.results;

import java.util.List;

/**
 * What {@code energy collect} reports for a pack: how many runs it looked at, the ones that failed (by their index in the
 * pack, with the exit code a run of its own would have had and its error line), the engine seconds of all runs. Every
 * run not listed succeeded and has its row in the results table. Messages are cut so that the whole fits a termination
 * message whatever the number of failures. {@code runSeconds}: the engine processes' wall time over all runs, where known.
 */
public record PackResult(String task, int runs, List<RunFailure> failed, double engineSeconds, String table, Double runSeconds) {
    public PackResult(String task, int runs, List<RunFailure> failed, double engineSeconds, String table) {
        this(task, runs, failed, engineSeconds, table, null);
    }

    public record RunFailure(int index, int exitCode, String message) {
    }
}
