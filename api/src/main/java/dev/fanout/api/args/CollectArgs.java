package dev.fanout.api.args;

import dev.fanout.api.WorkerContract;
import java.util.List;

/**
 * {@code fanout-worker energy collect}: check a run's engine output and upsert its results row; for a pack, every run's
 * ({@code --output} is then the work dir holding the runs' directories, {@code --keep-outputs} the directory that gets one
 * sub-directory per run, named by {@link #runId}).
 */
public record CollectArgs(String output, String batch, String variant, String model, String weather, String schema, String table,
        String keepOutputs, List<PackRun> pack, Rank rank) {
    public CollectArgs(String output, String batch, String variant, String model, String weather, String schema, String table,
            String keepOutputs) {
        this(output, batch, variant, model, weather, schema, table, keepOutputs, List.of(), null);
    }

    /**
     * A pack that may end its batch (no run waited when it started) also ranks the batch once its rows are written, as
     * {@code energy aggregate} would with this baseline; the operator then needs no aggregate Job if the ranking is of
     * every run as it is now. Null: it does not rank.
     */
    public record Rank(String baseline) {
    }

    public static final List<String> COMMAND = List.of("energy", "collect");
    public static final String OUTPUT = "--output";
    public static final String BATCH = "--batch";
    public static final String VARIANT = "--variant";
    public static final String MODEL = "--model";
    public static final String WEATHER = "--weather";
    public static final String KEEP_OUTPUTS = "--keep-outputs";
    /** Rank the batch after writing the rows (with {@link AggregateArgs#BASELINE}): see {@link Rank}. */
    public static final String RANK = "--rank";
    /** What the engine step leaves in the output directory besides its own files: its exit code. */
    public static final String EXIT_CODE_FILE = "exit-code";
    /** When the engine started and ended (epoch seconds, the engine container's clock): a run's wall time for packing. */
    public static final String ENGINE_START_FILE = "engine-start";
    public static final String ENGINE_END_FILE = "engine-end";

    /**
     * The engine step in a run's directory (in.idf, in.epw there, outputs to out/, which exists): its exit code written
     * down instead of failing the container, so that collect can report the .err; its start and end times too.
     */
    public static String engineCommand() {
        return "date +%s.%N > out/" + ENGINE_START_FILE + "; energyplus -w in.epw -d out in.idf > out/engine.log 2>&1; echo $? > out/"
                + EXIT_CODE_FILE + "; date +%s.%N > out/" + ENGINE_END_FILE;
    }

    /** A run's id in a batch, also the name of its directory under --keep-outputs. */
    public static String runId(String model, String weather, String variant) {
        return model + "." + weather + "." + variant;
    }

    public List<String> toArgs() {
        return new ArgList(COMMAND).add(OUTPUT, output).add(BATCH, batch).add(VARIANT, variant).add(MODEL, model)
                .add(WEATHER, weather).add(Flags.SCHEMA, schema).add(Flags.TABLE, table).add(Flags.RESULT, WorkerContract.RESULT_FILE)
                .add(KEEP_OUTPUTS, keepOutputs)
                .repeated(PackRun.OPTION, pack.stream().map(r -> r.dir() + "=" + r.variant()).toList())
                .repeated(PackRun.HASH_OPTION, pack.stream().filter(r -> r.hash() != null).map(r -> r.dir() + "=" + r.hash()).toList())
                .flag(RANK, rank != null).add(AggregateArgs.BASELINE, rank == null ? null : rank.baseline()).list();
    }
}
