package dev.fanout.worker;

/**
 * The worker's exit codes, a contract with the operator (design note): the Job's podFailurePolicy fails the Job at once on
 * {@link #BAD_INPUT}; every other non-zero code is retried.
 */
public final class ExitCode {
    public static final int OK = 0;
    /** Something crashed that we did not foresee; retried. */
    public static final int CRASH = 1;
    /** The input is wrong (bad option, unknown scheme, corrupt file...): retrying cannot help. */
    public static final int BAD_INPUT = 2;
    /** Network or database trouble that may pass: retry. */
    public static final int TRANSIENT = 3;

    private ExitCode() {
    }
}
