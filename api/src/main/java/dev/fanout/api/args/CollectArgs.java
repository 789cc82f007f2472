package dev.fanout.api.args;

import dev.fanout.api.WorkerContract;
import java.util.List;

/**
 * {@code fanout-worker energy collect}: check a run's engine output and upsert its results row (a pack: {@link PackArgs}).
 */
public record CollectArgs(String output, String batch, String variant, String model, String weather, String schema, String table,
        String keepOutputs) {
    public static final List<String> COMMAND = List.of("energy", "collect");
    public static final String OUTPUT = "--output";
    public static final String BATCH = "--batch";
    public static final String VARIANT = "--variant";
    public static final String MODEL = "--model";
    public static final String WEATHER = "--weather";
    public static final String KEEP_OUTPUTS = "--keep-outputs";
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
                .add(KEEP_OUTPUTS, keepOutputs).list();
    }
}
