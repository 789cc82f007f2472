package dev.fanout.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ids of the variants sampled from a batch's parameter space, {@code grid-00001} or {@code lhs-00001} (1-based, five
 * digits), and the compact form the aggregate is told the current samples in: {@code grid:N}, meaning ids 1 to N.
 */
public final class SampleIds {
    public enum Method { grid, lhs }

    public static final int MAX = 99_999;
    private static final Pattern RANGE = Pattern.compile("(grid|lhs):(\\d{1,5})");

    private SampleIds() {
    }

    /** The id of the n-th sample (1-based). */
    public static String id(Method method, int n) {
        return String.format("%s-%05d", method, n);
    }

    public static String range(Method method, long count) {
        return method + ":" + count;
    }

    /** A parsed {@link #range}: which ids a batch has now. */
    public record Range(Method method, int count) {
        public boolean contains(String id) {
            if (!id.startsWith(method + "-") || id.length() != method.name().length() + 6) {
                return false;
            }
            try {
                int n = Integer.parseInt(id.substring(method.name().length() + 1));
                return n >= 1 && n <= count;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        /** A POSIX regular expression (PostgreSQL's {@code ~}) matching the ids of this method, in any range. */
        public String regex() {
            return "^" + method + "-[0-9]{5}$";
        }
    }

    /** Parses grid:N or lhs:N; IllegalArgumentException naming the form otherwise. */
    public static Range parseRange(String s) {
        Matcher m = RANGE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("must be grid:N or lhs:N, got '" + s + "'");
        }
        return new Range(Method.valueOf(m.group(1)), Integer.parseInt(m.group(2)));
    }
}
