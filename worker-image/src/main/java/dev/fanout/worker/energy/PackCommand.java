package dev.fanout.worker.energy;

import dev.fanout.api.ExitCode;
import dev.fanout.api.SimulationMode;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.AggregateArgs;
import dev.fanout.api.args.CollectArgs;
import dev.fanout.api.args.Flags;
import dev.fanout.api.args.PackArgs;
import dev.fanout.api.args.PackRun;
import dev.fanout.api.args.PrepareArgs;
import dev.fanout.api.results.AggregateResult;
import dev.fanout.api.results.CollectResult;
import dev.fanout.api.results.PackResult;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.energy.idf.IdfFile;
import dev.fanout.worker.io.ResultFile;
import dev.fanout.worker.io.ScratchSpace;
import dev.fanout.worker.io.SourceFetcher;
import dev.fanout.worker.pg.Database;
import dev.fanout.worker.pg.Identifiers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The worker container of a pack's pod, beside the engine container: prepares every run (the model and weather read once,
 * each run's input into its directory, marked ready one by one so the engine starts on the first at once), then collects
 * each run as the engine marks it done (its row upserted, its failure recorded with the exit code a run of its own would
 * have had instead of failing the pod: the operator retries or fails just that run), then ranks the batch if asked. A
 * database that cannot be written fails the whole pack (transient), as it would fail every run. The files the two
 * containers hand each other are {@link PackRun}'s.
 */
@Command(name = "pack", mixinStandardHelpOptions = true,
        description = "Prepare a pack's runs for the engine container beside this one, then collect each as it ends.")
public class PackCommand implements Callable<Integer> {
    @Option(names = PrepareArgs.MODEL, required = true, description = "the base model: http(s) URL or path (a mounted ConfigMap key or PVC file)")
    String model;
    @Option(names = PrepareArgs.WEATHER, required = true, description = "the EPW weather file: http(s) URL or path")
    String weather;
    @Option(names = PrepareArgs.MODE, defaultValue = "designDay", description = "designDay or annual")
    SimulationMode mode;
    @Option(names = PackArgs.WORK, required = true, description = "the work dir shared with the engine container (an emptyDir)")
    Path work;
    @Option(names = CollectArgs.BATCH, required = true, description = "the batch (the EnergySimulationBatch's name)")
    String batch;
    @Option(names = PackArgs.MODEL_NAME, defaultValue = "", description = "model name, stored with each row")
    String modelName;
    @Option(names = PackArgs.WEATHER_NAME, defaultValue = "", description = "weather name, stored with each row")
    String weatherName;
    @Option(names = Flags.SCHEMA, defaultValue = "public")
    String schema;
    @Option(names = Flags.TABLE, defaultValue = "energy_results", description = "the results table (created when missing)")
    String table;
    @Option(names = Flags.RESULT, defaultValue = WorkerContract.RESULT_FILE)
    Path result;
    @Option(names = CollectArgs.KEEP_OUTPUTS, description = "copy each run's engine output into a directory of its own under this one "
            + "(<model>.<weather>.<variant>), e.g. on an outputs PVC")
    Path keep;
    @Option(names = "--max-download-bytes", defaultValue = "1073741824", description = "size limit of downloads (default 1 GiB)")
    long maxBytes;
    @Option(names = "--alive-timeout-seconds", defaultValue = "" + PackRun.ALIVE_TIMEOUT_SECONDS,
            description = "how long the engine container's alive file may stay untouched before the pack fails as transient")
    int aliveTimeoutSeconds;
    @Option(names = PackRun.OPTION, required = true, description = "<dir>=<variant id>, once per run, in the order the engine runs them")
    LinkedHashMap<String, String> runs;
    @Option(names = PackArgs.EDIT, description = "<dir>=<variant JSON>: the run's edit of the model (none: the model as it is)")
    Map<String, String> edits = Map.of();
    @Option(names = PackRun.HASH_OPTION, description = "<dir>=<spec hash>, stored with the run's row (which run wrote it)")
    Map<String, String> runHashes = Map.of();
    @Option(names = PackArgs.RANK, description = "a pack that may end its batch: once its rows are written (and none of its runs "
            + "failed), rank the batch as `energy aggregate` would and report it with the digest of the rows ranked")
    boolean rank;
    @Option(names = AggregateArgs.BASELINE, description = "with --rank: the baseline variant id (savings are against it)")
    String baseline;
    @Option(names = PackArgs.ALONE, description = "a run of its own (one --run): report its result and exit with its exit code, "
            + "as `energy collect` does, instead of a pack's result")
    boolean alone;

    /** How often a side shows it is alive, and how often this one looks for the engine's marks. */
    private static final Duration TOUCH_EVERY = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 50;

    @Override
    public Integer call() throws Exception {
        // First of all, so that the engine container beside this one hears of whatever ends it, bad arguments included.
        Files.createDirectories(work);
        Thread alive = Thread.ofPlatform().daemon().name("alive").start(() -> touchEvery(work.resolve(PackRun.WORKER_ALIVE_FILE)));
        try {
            Identifiers.validate("--schema", schema);
            Identifiers.validate("--table", table);
            if (alone && runs.size() != 1) {
                throw WorkerException.badInput(PackArgs.ALONE + " is for one run, and " + runs.size() + " were given");
            }
            for (String dir : runs.keySet()) {
                if (!PackRun.isDirName(dir)) {
                    throw WorkerException.badInput(PackRun.OPTION + " " + dir + ": a run's directory must be a plain name like r000");
                }
            }
            prepare();
            return collect();
        } catch (Exception e) {
            Files.writeString(work.resolve(PackRun.STOP_FILE), String.valueOf(e.getMessage())); // the engine runs no more
            throw e;
        } finally {
            alive.interrupt();
        }
    }

    /** Each run's input into its directory, then its ready mark; a variant that cannot be applied leaves its error line. */
    private void prepare() throws IOException {
        Path scratch = Files.createTempDirectory(work, "fetch-");
        try {
            SourceFetcher fetcher = new SourceFetcher(scratch, maxBytes, 4);
            String text = Files.readString(fetcher.fetch(model), StandardCharsets.UTF_8);
            IdfFile checked = PrepareCommand.parseModel(model, text);
            Path epw = fetcher.fetch(weather);
            for (String dir : runs.keySet()) {
                Path d = Files.createDirectories(work.resolve(dir));
                // The check's parse serves the first run; every other run parses the text again, so no edit leaks into it.
                IdfFile idf = checked != null ? checked : IdfFile.parse(text);
                checked = null;
                try {
                    Files.writeString(d.resolve("in.idf"), PrepareCommand.prepared(idf, edits.get(dir), mode).write(), StandardCharsets.UTF_8);
                    PrepareCommand.link(epw, d.resolve("in.epw"));
                    Files.createFile(d.resolve(PackRun.READY_FILE));
                } catch (WorkerException e) {
                    // This variant's fault only: it is reported as this run's failure.
                    Files.writeString(d.resolve(PackRun.PREPARE_ERROR_FILE), WorkerContract.errorLine(e.exitCode(), e.getMessage()));
                }
            }
        } finally {
            // Downloads the runs do not link to can go; a linked weather file lives on in the runs' directories.
            ScratchSpace.delete(scratch);
        }
    }

    private int collect() throws IOException, SQLException, InterruptedException {
        List<PackResult.RunFailure> failed = new ArrayList<>();
        double engine = 0;
        double wall = 0;
        boolean wallKnown = true;
        CollectCommand.Checked last = null;
        AggregateResult ranking = null;
        try (Connection c = Database.connect()) {
            CollectCommand.createTable(c, schema, table);
            int index = 0;
            for (var run : runs.entrySet()) {
                Path dir = work.resolve(run.getKey());
                Path prepareError = dir.resolve(PackRun.PREPARE_ERROR_FILE);
                boolean prepared = !Files.isRegularFile(prepareError);
                if (prepared) {
                    awaitEngine(dir); // an engine container that is gone fails the pack, not this run
                }
                try {
                    if (!prepared) {
                        throw WorkerException.badInput(Files.readString(prepareError).strip().replaceFirst("^" + WorkerContract.ERROR_PREFIX
                                + "bad input: ", ""));
                    }
                    CollectCommand.Checked checked = CollectCommand.check(dir.resolve("out"));
                    if (keep != null) {
                        CollectCommand.keepOutputs(dir.resolve("out"), keep.resolve(CollectArgs.runId(modelName, weatherName, run.getValue())));
                    }
                    CollectCommand.upsert(c, schema, table, new CollectCommand.RowKey(batch, modelName, weatherName, run.getValue()),
                            runHashes.get(run.getKey()), checked);
                    engine += checked.summary().elapsedSeconds() == null ? 0 : checked.summary().elapsedSeconds();
                    wall += checked.wallSeconds() == null ? 0 : checked.wallSeconds();
                    wallKnown &= checked.wallSeconds() != null;
                    last = checked;
                } catch (WorkerException e) {
                    if (alone) {
                        throw e; // the run's own failure is the Job's, with its exit code
                    }
                    failed.add(new PackResult.RunFailure(index, e.exitCode(), e.getMessage()));
                }
                index++;
            }
            if (rank && failed.isEmpty() && !alone) {
                ranking = ranking(c); // on this connection: a new one at the batch's end would be on its critical path
            }
        } catch (SQLException e) {
            throw Database.classify("writing the results rows failed", e);
        }
        if (alone) {
            ResultFile.write(result, new CollectResult(runs.values().iterator().next(), last.results().basis(), last.results().totalSiteEnergyGJ(),
                    last.results().siteEuiMJm2(), last.summary().warnings(), last.summary().elapsedSeconds(), schema + "." + table,
                    last.wallSeconds()));
            return ExitCode.OK;
        }
        double engineSeconds = Math.round(engine * 1000) / 1000.0;
        Double runSeconds = wallKnown ? Math.round(wall * 1000) / 1000.0 : null;
        AggregateResult ranked = ranking;
        ResultFile.write(result, PackFailures.fitted(failed, failures -> new PackResult(batch, runs.size(), failures, engineSeconds,
                schema + "." + table, runSeconds, null, ranked)));
        return ExitCode.OK;
    }

    /**
     * Waits until the engine has run this directory (or ended without running it: check then says it did not run). An
     * engine container that stopped touching its alive file is gone (killed, out of memory): transient, the runs go again.
     */
    private void awaitEngine(Path dir) throws InterruptedException, IOException {
        Path engineAlive = work.resolve(PackRun.ENGINE_ALIVE_FILE);
        while (!Files.exists(dir.resolve(PackRun.DONE_FILE)) && !Files.exists(work.resolve(PackRun.ENGINE_ENDED_FILE))) {
            if (Files.exists(engineAlive) && Files.getLastModifiedTime(engineAlive).toInstant()
                    .isBefore(Instant.now().minusSeconds(aliveTimeoutSeconds))) {
                throw WorkerException.transientFailure("the engine container stopped (no sign of life for " + aliveTimeoutSeconds
                        + " s) before it ran " + dir.getFileName() + "; see its state (killed, out of memory?)", null);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * The batch ranked after this pack's rows were written, or null: a ranking that fails costs the batch only the aggregate
     * Job the operator then runs, so it does not fail the pack whose rows are in.
     */
    private AggregateResult ranking(Connection c) {
        try {
            Ranking.createView(c, schema, table, batch, baseline);
            return Ranking.summarise(c, schema, table, batch, baseline, true);
        } catch (SQLException e) {
            System.err.println("fanout-worker: ranking batch " + batch + " failed, the aggregate Job will: " + e.getMessage());
            return null;
        }
    }

    /** Shows this container is alive to the engine container until interrupted. */
    private static void touchEvery(Path file) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (!Files.exists(file)) {
                    Files.createFile(file);
                }
                Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
                Thread.sleep(TOUCH_EVERY);
            }
        } catch (InterruptedException | IOException e) {
            // the command has ended (interrupted), or the work dir went away: nothing to show any more
        }
    }
}
