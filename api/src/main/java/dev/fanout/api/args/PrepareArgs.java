package dev.fanout.api.args;

import dev.fanout.api.SimulationMode;
import dev.fanout.api.VariantEdit;
import dev.fanout.api.WorkerContract;
import java.util.List;

/** {@code fanout-worker energy prepare}: a run's engine input (in.idf, in.epw) into the shared work dir (a pack: {@link PackArgs}). */
public record PrepareArgs(String model, String weather, VariantEdit variant, SimulationMode mode, String out) {

    public static final List<String> COMMAND = List.of("energy", "prepare");
    public static final String MODEL = "--model";
    public static final String WEATHER = "--weather";
    public static final String VARIANT = "--variant";
    public static final String MODE = "--mode";
    public static final String OUT = "--out";

    public List<String> toArgs() {
        return new ArgList(COMMAND).add(MODEL, model).add(WEATHER, weather).add(VARIANT, variant == null ? null : variant.toJson())
                .add(MODE, mode).add(OUT, out).add(Flags.RESULT, WorkerContract.RESULT_FILE).list();
    }
}
