package dev.fanout.worker.energy;

import dev.fanout.api.VariantEdit;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.energy.idf.IdfFile;
import dev.fanout.worker.energy.idf.IdfObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One variant of a model ({@link VariantEdit}): new layer lists for Constructions and field overrides for Material,
 * Material:NoMass and window materials, applied in place (no object is duplicated).
 */
public final class Variant {
    private final VariantEdit edit;

    private Variant(VariantEdit edit) {
        this.edit = edit;
    }

    /** The --variant JSON; bad input naming what is wrong when it is not a variant or sets a field no material has. */
    public static Variant parse(String json) {
        VariantEdit edit;
        try {
            edit = VariantEdit.parse(json);
        } catch (IllegalArgumentException e) {
            throw WorkerException.badInput("--variant is " + e.getMessage());
        }
        List<String> problems = edit.problems();
        if (!problems.isEmpty()) {
            throw WorkerException.badInput("variant: " + String.join("; ", problems));
        }
        return new Variant(edit);
    }

    /** Applies the variant to the model in place; unknown objects and fields are bad input naming them. */
    public void applyTo(IdfFile idf) {
        edit.constructions().forEach((name, layers) -> {
            IdfObject c = idf.find("Construction", name).orElseThrow(() -> WorkerException.badInput(
                    "the variant changes Construction '" + name + "', which the model does not have"));
            for (int i = 0; i < layers.size(); i++) {
                c.field(2 + i, layers.get(i));
            }
            c.truncate(1 + layers.size());
        });
        edit.materials().forEach((name, fields) -> {
            IdfObject m = idf.objects().stream().filter(o -> SETTABLE.containsKey(o.className().toLowerCase(Locale.ROOT))
                    && o.name().equalsIgnoreCase(name)).findFirst().orElseThrow(() -> WorkerException.badInput(
                            "the variant changes material '" + name + "', which the model does not have (as Material, "
                                    + "Material:NoMass or a window material)"));
            Map<String, Integer> known = SETTABLE.get(m.className().toLowerCase(Locale.ROOT));
            fields.forEach((field, value) -> {
                Integer index = known.get(field.toLowerCase(Locale.ROOT));
                if (index == null) {
                    throw WorkerException.badInput(m.className() + " '" + name + "' has no field '" + field + "' a variant may set; "
                            + "known: " + known.keySet());
                }
                m.field(index, number(value));
            });
        });
    }

    private static final Map<String, Map<String, Integer>> SETTABLE = VariantEdit.SETTABLE_FIELDS;

    /** As the IDF is written by hand: 0.2, not 0.2000000001 nor 2.0E-1. */
    private static String number(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
