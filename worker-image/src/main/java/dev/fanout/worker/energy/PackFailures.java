package dev.fanout.worker.energy;

import dev.fanout.api.ExitCode;
import dev.fanout.api.IndexRanges;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.results.PackResult;
import dev.fanout.api.results.PackResult.FailedRuns;
import dev.fanout.api.results.PackResult.RunFailure;
import dev.fanout.api.results.Results;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pack's failures in its termination message: runs that failed alike (the same exit code and line) are one group, named
 * by their indexes as ranges, and the lines are cut to an equal share of what the message holds. A pack of hundreds of
 * runs that all fail for one reason is then one short group. Should the groups not fit even with lines cut to
 * {@value #SHORTEST_LINE} characters (many runs, each failing its own way), the smallest groups become one transient
 * failure: those runs run alone next and get their own lines there. No run is ever reported succeeded that did not.
 */
final class PackFailures {
    /** A line shorter than this no longer says what went wrong. */
    static final int SHORTEST_LINE = 80;
    static final String DID_NOT_FIT = "failed in its pack, whose result could not hold this run's own error line; it runs alone next";

    /** What makes runs fail alike. */
    private record Line(int exitCode, String message) {
    }

    private PackFailures() {
    }

    /** {@code result} made with the failures grouped and cut so that its JSON fits a termination message. */
    static PackResult fitted(List<RunFailure> failed, Function<List<FailedRuns>, PackResult> result) {
        Map<Line, List<Integer>> byLine = new LinkedHashMap<>();
        for (RunFailure f : failed) {
            byLine.computeIfAbsent(new Line(f.exitCode(), f.message() == null ? "" : f.message()), k -> new ArrayList<>()).add(f.index());
        }
        // The largest groups are kept whole first: a line that explains most runs matters most.
        List<Map.Entry<Line, List<Integer>>> groups = new ArrayList<>(byLine.entrySet());
        groups.sort(Comparator.comparingInt((Map.Entry<Line, List<Integer>> g) -> -g.getValue().size())
                .thenComparingInt(g -> g.getValue().get(0)));
        PackResult out = null;
        for (int kept = groups.size(); kept >= 0; kept--) {
            int parts = kept + (kept < groups.size() ? 1 : 0);
            int share = Math.max(SHORTEST_LINE, (WorkerContract.MAX_RESULT_BYTES - 400) / Math.max(1, parts) - 60);
            List<FailedRuns> failures = new ArrayList<>();
            for (var g : groups.subList(0, kept)) {
                String line = g.getKey().message();
                failures.add(new FailedRuns(IndexRanges.format(g.getValue()), g.getKey().exitCode(),
                        line.length() <= share ? line : line.substring(0, share)));
            }
            if (kept < groups.size()) {
                List<Integer> rest = groups.subList(kept, groups.size()).stream().flatMap(g -> g.getValue().stream()).sorted().toList();
                failures.add(new FailedRuns(IndexRanges.format(rest), ExitCode.TRANSIENT, DID_NOT_FIT));
            }
            out = result.apply(failures);
            String json = Results.toJson(out);
            if (!json.contains("\"truncated\"") && json.getBytes(StandardCharsets.UTF_8).length <= WorkerContract.MAX_RESULT_BYTES) {
                return out;
            }
        }
        return out; // not even the indexes fit (a pack far larger than packs are): the operator then retries every run alone
    }
}
