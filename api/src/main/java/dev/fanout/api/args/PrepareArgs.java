package dev.fanout.api.args;

import dev.fanout.api.SimulationMode;
import dev.fanout.api.VariantEdit;
import dev.fanout.api.WorkerContract;
import java.util.List;

/**
 * {@code fanout-worker energy prepare}: a variant's engine input (in.idf, in.epw) into the shared work dir; or, for a pack,
 * each run's input into its own directory under it (the model and weather read once).
 */
public record PrepareArgs(String model, String weather, VariantEdit variant, SimulationMode mode, String out, List<PackRun> pack) {
    public PrepareArgs(String model, String weather, VariantEdit variant, SimulationMode mode, String out) {
        this(model, weather, variant, mode, out, List.of());
    }

    public static final List<String> COMMAND = List.of("energy", "prepare");
    public static final String MODEL = "--model";
    public static final String WEATHER = "--weather";
    public static final String VARIANT = "--variant";
    public static final String MODE = "--mode";
    public static final String OUT = "--out";

    public List<String> toArgs() {
        return new ArgList(COMMAND).add(MODEL, model).add(WEATHER, weather).add(VARIANT, variant == null ? null : variant.toJson())
                .add(MODE, mode).add(OUT, out)
                .repeated(PackRun.OPTION, pack.stream().map(r -> r.dir() + "=" + r.edit().toJson()).toList()).add(Flags.RESULT, WorkerContract.RESULT_FILE).list();
    }
}
