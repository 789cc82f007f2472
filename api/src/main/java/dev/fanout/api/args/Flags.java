package dev.fanout.api.args;

/** Options every worker command that touches the database or reports a result has. */
public final class Flags {
    /** Where the result JSON (or the failure line) goes; the pod's termination message path. */
    public static final String RESULT = "--result";
    public static final String SCHEMA = "--schema";
    public static final String TABLE = "--table";

    private Flags() {
    }
}
