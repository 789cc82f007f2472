package dev.fanout.worker;

import dev.fanout.api.ExitCode;
import dev.fanout.api.WorkerContract;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the worker image: {@code fanout-worker <command>}. */
@Command(name = "fanout-worker", mixinStandardHelpOptions = true, versionProvider = FanoutWorker.Version.class,
        description = "Does the real work inside Fanout's task Jobs.",
        subcommands = {VersionCommand.class, TrainCommand.class, dev.fanout.worker.spatial.SpatialCommand.class,
            dev.fanout.worker.energy.EnergyCommand.class})
public class FanoutWorker {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command and maps every failure to the exit-code contract, with one line on stderr. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new FanoutWorker());
        cli.setExitCodeExceptionMapper(FanoutWorker::exitCodeOf);
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println(WorkerContract.errorLine(ExitCode.BAD_INPUT, e.getMessage()));
            return ExitCode.BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            String line = WorkerContract.errorLine(exitCodeOf(e), e instanceof WorkerException ? e.getMessage() : e.toString());
            System.err.println(line);
            if (!(e instanceof WorkerException) || ((WorkerException) e).exitCode() == ExitCode.CRASH) {
                e.printStackTrace(); // an unforeseen failure: the trace belongs in the log, after the one-line cause
            }
            writeFailure(parsed, line);
            return exitCodeOf(e);
        });
        return cli.execute(args);
    }

    /**
     * The one-line cause also goes to the command's --result file (the termination message path), so the status shows
     * it rather than the last lines of a stack trace that the kubelet would fall back to.
     */
    private static void writeFailure(CommandLine.ParseResult parsed, String line) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandLine.Model.OptionSpec result = leaf.commandSpec().findOption("--result");
        if (result == null || result.getValue() == null) {
            return;
        }
        try {
            byte[] bytes = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.nio.file.Files.write(java.nio.file.Path.of(result.getValue().toString()),
                    java.util.Arrays.copyOf(bytes, Math.min(bytes.length, WorkerContract.MAX_RESULT_BYTES)));
        } catch (java.io.IOException | RuntimeException e) {
            // best effort: the line is on stderr too
        }
    }

    static int exitCodeOf(Throwable e) {
        return e instanceof WorkerException w ? w.exitCode() : ExitCode.CRASH;
    }

    static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"fanout-worker " + VersionCommand.version()};
        }
    }
}
