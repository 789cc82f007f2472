package dev.fanout.api;

/**
 * The worker's exit codes. The task Job's podFailurePolicy fails the Job at once on {@link #BAD_INPUT}, and the operator
 * records it as permanent; every other non-zero code is retried.
 */
public final class ExitCode {
    public static final int OK = 0;
    /** Something crashed that nobody foresaw; retried. */
    public static final int CRASH = 1;
    /** The input is wrong (bad option, unknown scheme, corrupt file...): retrying cannot help. */
    public static final int BAD_INPUT = 2;
    /** Network or database trouble that may pass: retried. */
    public static final int TRANSIENT = 3;

    private ExitCode() {
    }

    public static boolean permanent(int code) {
        return code == BAD_INPUT;
    }
}
