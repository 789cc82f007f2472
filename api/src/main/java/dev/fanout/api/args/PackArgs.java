package dev.fanout.api.args;

import dev.fanout.api.SimulationMode;
import dev.fanout.api.WorkerContract;
import java.util.List;

/**
 * {@code fanout-worker energy pack}: the worker container of a pack's pod, started together with the engine container
 * ({@link PackRun#engineScript}). It prepares each run's input into its directory under {@code work} (the model and weather
 * read once), and collects each run once the engine has run it, upserting its row; so the engine starts on the first run
 * as soon as that is prepared, and the pack ends soon after its last run. See {@link PackRun} for the files the two
 * containers hand each other.
 *
 * @param model the model's source (http(s) URL or mounted path), as {@link PrepareArgs#MODEL}
 * @param modelName the model's name in the spec, stored with each row (as {@link CollectArgs#MODEL})
 * @param rank non-null: the pack may end its batch (nothing waited when it started) and ranks it after its rows are written
 * @param alone a run of its own (one run, a Job of its own): the worker reports that run's {@code CollectResult} and exits
 *     with its exit code, as {@code energy collect} does, instead of a {@code PackResult}
 */
public record PackArgs(String model, String weather, SimulationMode mode, String work, String batch, String modelName,
        String weatherName, String schema, String table, String keepOutputs, List<PackRun> runs, Rank rank, boolean alone) {

    /**
     * A pack that may end its batch also ranks the batch once its rows are written, as {@code energy aggregate} would with
     * this baseline; the operator then needs no aggregate Job if the ranking is of every run as it is now.
     */
    public record Rank(String baseline) {
    }

    public static final List<String> COMMAND = List.of("energy", "pack");
    public static final String WORK = "--work";
    public static final String MODEL_NAME = "--model-name";
    public static final String WEATHER_NAME = "--weather-name";
    /** Repeatable {@code --edit <dir>=<variant JSON>}: the edit prepare applies to that run's copy of the model. */
    public static final String EDIT = "--edit";
    /** Rank the batch after writing the rows (with {@link AggregateArgs#BASELINE}): see {@link Rank}. */
    public static final String RANK = "--rank";
    /** A run of its own: see {@code alone}. */
    public static final String ALONE = "--alone";

    public List<String> toArgs() {
        return new ArgList(COMMAND).add(PrepareArgs.MODEL, model).add(PrepareArgs.WEATHER, weather).add(PrepareArgs.MODE, mode)
                .add(WORK, work).add(CollectArgs.BATCH, batch).add(MODEL_NAME, modelName).add(WEATHER_NAME, weatherName)
                .add(Flags.SCHEMA, schema).add(Flags.TABLE, table).add(CollectArgs.KEEP_OUTPUTS, keepOutputs)
                .add(Flags.RESULT, WorkerContract.RESULT_FILE)
                .repeated(PackRun.OPTION, runs.stream().map(r -> r.dir() + "=" + r.variant()).toList())
                .repeated(EDIT, runs.stream().map(r -> r.dir() + "=" + r.edit().toJson()).toList())
                .repeated(PackRun.HASH_OPTION, runs.stream().filter(r -> r.hash() != null).map(r -> r.dir() + "=" + r.hash()).toList())
                .flag(RANK, rank != null).add(AggregateArgs.BASELINE, rank == null ? null : rank.baseline()).flag(ALONE, alone).list();
    }
}
