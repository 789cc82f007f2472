package dev.fanout.api.args;

import dev.fanout.api.WorkerContract;
import java.util.List;

/**
 * {@code fanout-worker energy aggregate}: rank a batch's results. The batch as it is now (models, weather, construction
 * sets, the sample range) tells which rows are stale: rows of runs the spec no longer has are dropped.
 */
public record AggregateArgs(String batch, String schema, String table, String baseline, List<String> models, List<String> weather,
        List<String> variants, String samples, String csv) {
    public static final List<String> COMMAND = List.of("energy", "aggregate");
    public static final String BATCH = "--batch";
    public static final String BASELINE = "--baseline";
    public static final String MODELS = "--models";
    public static final String WEATHER = "--weather";
    public static final String VARIANTS = "--variants";
    /** {@link dev.fanout.api.SampleIds#range}. */
    public static final String SAMPLES = "--samples";
    public static final String CSV = "--csv";

    public List<String> toArgs() {
        return new ArgList(COMMAND).add(BATCH, batch).add(Flags.SCHEMA, schema).add(Flags.TABLE, table)
                .add(Flags.RESULT, WorkerContract.RESULT_FILE).add(BASELINE, baseline).joined(MODELS, models).joined(WEATHER, weather)
                .joined(VARIANTS, variants).add(SAMPLES, samples).add(CSV, csv).list();
    }
}
