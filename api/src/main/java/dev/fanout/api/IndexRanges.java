package dev.fanout.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Ascending indexes written as ranges, {@code 0-31,40,42-45}: how the status names a pack's runs by their places in the
 * plan, and how a pack's result names the runs that failed alike.
 */
public final class IndexRanges {
    /** No list read from text is longer: the text is not trusted to be small. */
    public static final int MAX_INDEXES = 1_000_000;

    private static final String PATTERN = "\\d{1,9}(-\\d{1,9})?(,\\d{1,9}(-\\d{1,9})?)*";

    private IndexRanges() {
    }

    /** Ascending indexes as ranges. */
    public static String format(List<Integer> indexes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < indexes.size(); ) {
            int j = i;
            while (j + 1 < indexes.size() && indexes.get(j + 1) == indexes.get(j) + 1) {
                j++;
            }
            out.append(out.isEmpty() ? "" : ",").append(indexes.get(i));
            if (j > i) {
                out.append('-').append(indexes.get(j));
            }
            i = j + 1;
        }
        return out.toString();
    }

    /** Whether {@link #format}'s text names {@code index} (false for text that is not such a list); reads no more than the text. */
    public static boolean contains(String ranges, int index) {
        return bounds(ranges).stream().anyMatch(r -> r[0] <= index && index <= r[1]);
    }

    /** The indexes of {@link #format}'s text; empty for text that is not such a list. */
    public static List<Integer> parse(String ranges) {
        List<Integer> out = new ArrayList<>();
        for (int[] r : bounds(ranges)) {
            for (int i = r[0]; i <= r[1] && out.size() < MAX_INDEXES; i++) {
                out.add(i);
            }
        }
        return out;
    }

    /** Each range's first and last index; none for text that is not such a list. */
    private static List<int[]> bounds(String ranges) {
        List<int[]> out = new ArrayList<>();
        if (ranges == null || !ranges.matches(PATTERN)) {
            return out;
        }
        for (String r : ranges.split(",")) {
            String[] ends = r.split("-");
            int from = Integer.parseInt(ends[0]);
            out.add(new int[] {from, ends.length > 1 ? Integer.parseInt(ends[1]) : from});
        }
        return out;
    }
}
