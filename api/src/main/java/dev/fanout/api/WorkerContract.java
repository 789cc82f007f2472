package dev.fanout.api;

import java.util.List;

/**
 * Where the worker finds its inputs and leaves its outcome inside a task pod: paths, environment names, and the one line
 * that names a failure. The operator builds pods from these; the worker reads and writes them.
 */
public final class WorkerContract {
    /**
     * The container's terminationMessagePath, given explicitly in the pod: the kubelet mounts a file there, the worker
     * writes its result JSON or its one-line error to it, and the operator reads it from the container's final state.
     */
    public static final String RESULT_FILE = "/dev/termination-log";
    /** Kubernetes keeps at most this much of a termination message. */
    public static final int MAX_RESULT_BYTES = 4096;
    /** Scratch space on the pod's emptyDir (downloads, the engine's inputs and outputs). */
    public static final String WORK_DIR = "/tmp/work";
    /**
     * Where a SpatialLoad's source cache claim is mounted: layers that share a source take one copy of it from here (see
     * {@code LoadArgs.SharedCopy}).
     */
    public static final String SOURCE_CACHE_DIR = "/var/cache/fanout-sources";

    /** Database access, from a Secret through secretKeyRef env (never arguments, which show in the pod spec). */
    public static final String ENV_DB_URL = "FANOUT_DB_URL";
    public static final String ENV_DB_USER = "FANOUT_DB_USER";
    public static final String ENV_DB_PASSWORD = "FANOUT_DB_PASSWORD";
    public static final List<String> DB_ENV = List.of(ENV_DB_URL, ENV_DB_USER, ENV_DB_PASSWORD);

    /** Every failure line starts with this, followed by the class of failure and the cause. */
    public static final String ERROR_PREFIX = "fanout-worker: ";
    private static final int MAX_LINE = 500;

    private WorkerContract() {
    }

    /** The one line a failure prints to stderr and to the result file: {@code fanout-worker: bad input: <cause>}. */
    public static String errorLine(int exitCode, String cause) {
        String kind = switch (exitCode) {
            case ExitCode.BAD_INPUT -> "bad input: ";
            case ExitCode.TRANSIENT -> "transient: ";
            default -> "crash: ";
        };
        return ERROR_PREFIX + kind + (cause == null ? "" : cause.replaceAll("\\s*\\R\\s*", " ").strip());
    }

    /**
     * The line that names the cause in a termination message: the worker's error line where there is one (a crash puts
     * a stack trace after it, and the kubelet's log fallback keeps the tail), else the last line; at most 500 characters.
     */
    public static String errorLineOf(String message) {
        String found = message.lines().filter(l -> l.startsWith(ERROR_PREFIX)).findFirst()
                .orElseGet(() -> message.lines().reduce((a, b) -> b).orElse(message));
        return found.length() > MAX_LINE ? found.substring(0, MAX_LINE) : found;
    }
}
