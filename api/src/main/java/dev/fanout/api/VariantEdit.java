package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One variant of a building model, as `energy prepare --variant` takes it: new layer lists for named Constructions and
 * numeric field overrides for named materials, e.g.
 * {@code {"constructions": {"Exterior Wall": ["M1", "M2"]}, "materials": {"M1": {"Thickness": 0.2}}}}.
 * The fields a variant may set are listed here per material class, with their position in the class's IDD definition, so
 * the operator can refuse a misspelt field before any run and the worker knows where to write it.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VariantEdit(Map<String, List<String>> constructions, Map<String, Map<String, Double>> materials) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Settable numeric fields per material class (lower case), by name (lower case) -> 1-based IDD field index. */
    public static final Map<String, Map<String, Integer>> SETTABLE_FIELDS = settable();

    public VariantEdit {
        constructions = constructions == null ? Map.of() : constructions;
        materials = materials == null ? Map.of() : materials;
    }

    public static VariantEdit none() {
        return new VariantEdit(Map.of(), Map.of());
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the JSON form; IllegalArgumentException with the reason when it is not one. */
    public static VariantEdit parse(String json) {
        if (json == null || json.isBlank()) {
            return none();
        }
        try {
            return JSON.readValue(json, VariantEdit.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a variant (" + e.getOriginalMessage() + ")", e);
        }
    }

    /** Every field name some material class lets a variant set. */
    public static Set<String> settableNames() {
        Set<String> all = new TreeSet<>();
        SETTABLE_FIELDS.values().forEach(m -> all.addAll(m.keySet()));
        return all;
    }

    /**
     * What is wrong with the variant whatever the model: a construction without layers, a material field no material class
     * lets a variant set (named, with the names allowed). Which class a material is depends on the model, so the worker
     * checks the field against that class once it has read the model.
     */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        constructions.forEach((name, layers) -> {
            if (layers == null || layers.isEmpty()) {
                out.add("construction '" + name + "' has no layers");
            }
        });
        Set<String> names = settableNames();
        materials.forEach((material, fields) -> fields.forEach((field, value) -> {
            if (!names.contains(field.toLowerCase(Locale.ROOT))) {
                out.add("material '" + material + "' field '" + field + "' is not a field a variant may set; allowed: "
                        + String.join(", ", names));
            } else if (value == null || value.isNaN() || value.isInfinite()) {
                out.add("material '" + material + "' field '" + field + "' must be a number");
            }
        }));
        return out;
    }

    private static Map<String, Map<String, Integer>> settable() {
        Map<String, Map<String, Integer>> f = new LinkedHashMap<>();
        f.put("material", Map.of("thickness", 3, "conductivity", 4, "density", 5, "specific heat", 6,
                "thermal absorptance", 7, "solar absorptance", 8, "visible absorptance", 9));
        f.put("material:nomass", Map.of("thermal resistance", 3, "thermal absorptance", 4, "solar absorptance", 5,
                "visible absorptance", 6));
        f.put("windowmaterial:simpleglazingsystem", Map.of("u-factor", 2, "solar heat gain coefficient", 3,
                "visible transmittance", 4));
        f.put("windowmaterial:glazing", Map.of("thickness", 4, "solar transmittance at normal incidence", 5,
                "visible transmittance at normal incidence", 8, "conductivity", 14));
        f.put("windowmaterial:gas", Map.of("thickness", 3));
        return Map.copyOf(f);
    }
}
