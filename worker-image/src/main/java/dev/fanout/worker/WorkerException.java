package dev.fanout.worker;

import dev.fanout.api.ExitCode;

/** A failure the worker understands: carries the exit code and one line for stderr and the result file. */
public class WorkerException extends RuntimeException {
    private final int exitCode;

    public WorkerException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static WorkerException badInput(String message) {
        return new WorkerException(ExitCode.BAD_INPUT, message, null);
    }

    public static WorkerException badInput(String message, Throwable cause) {
        return new WorkerException(ExitCode.BAD_INPUT, message, cause);
    }

    public static WorkerException transientFailure(String message, Throwable cause) {
        return new WorkerException(ExitCode.TRANSIENT, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
