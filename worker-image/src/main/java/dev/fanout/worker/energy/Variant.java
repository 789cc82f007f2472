package dev.fanout.worker.energy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.energy.idf.IdfFile;
import dev.fanout.worker.energy.idf.IdfObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One variant of a model: new layer lists for Constructions and field overrides for Material, Material:NoMass and window
 * materials, applied in place (no object is duplicated). Given as JSON:
 * {@code {"constructions": {"Exterior Wall": ["M1", "M2"]}, "materials": {"M1": {"Thickness": 0.2}}}}.
 */
public final class Variant {
    /** Field positions (1-based, as in the IDD) of the numeric fields a variant may override, per material class. */
    static final Map<String, Map<String, Integer>> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("material", Map.of("thickness", 3, "conductivity", 4, "density", 5, "specific heat", 6,
                "thermal absorptance", 7, "solar absorptance", 8, "visible absorptance", 9));
        FIELDS.put("material:nomass", Map.of("thermal resistance", 3, "thermal absorptance", 4, "solar absorptance", 5,
                "visible absorptance", 6));
        FIELDS.put("windowmaterial:simpleglazingsystem", Map.of("u-factor", 2, "solar heat gain coefficient", 3,
                "visible transmittance", 4));
        FIELDS.put("windowmaterial:glazing", Map.of("thickness", 4, "solar transmittance at normal incidence", 5,
                "visible transmittance at normal incidence", 8, "conductivity", 14));
        FIELDS.put("windowmaterial:gas", Map.of("thickness", 3));
    }

    /** Classes a Construction layer may name. */
    static final List<String> LAYER_CLASSES = List.of("Material", "Material:NoMass", "Material:AirGap", "Material:InfraredTransparent",
            "WindowMaterial:Glazing", "WindowMaterial:Gas", "WindowMaterial:SimpleGlazingSystem", "WindowMaterial:Shade",
            "WindowMaterial:Blind", "WindowMaterial:Screen", "WindowMaterial:GasMixture", "WindowMaterial:GlazingGroup:Thermochromic");

    final Map<String, List<String>> constructions = new LinkedHashMap<>();
    final Map<String, Map<String, String>> materials = new LinkedHashMap<>();

    public static Variant parse(String json) {
        Variant v = new Variant();
        if (json == null || json.isBlank()) {
            return v;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw WorkerException.badInput("--variant is not valid JSON: " + e.getMessage());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("constructions").fields(); it.hasNext();) {
            var e = it.next();
            List<String> layers = new ArrayList<>();
            e.getValue().forEach(l -> layers.add(l.asText()));
            if (layers.isEmpty()) {
                throw WorkerException.badInput("variant construction '" + e.getKey() + "' has no layers");
            }
            v.constructions.put(e.getKey(), layers);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("materials").fields(); it.hasNext();) {
            var e = it.next();
            Map<String, String> fields = new LinkedHashMap<>();
            e.getValue().fields().forEachRemaining(f -> {
                if (!f.getValue().isNumber()) {
                    throw WorkerException.badInput("variant material '" + e.getKey() + "' field '" + f.getKey() + "' must be a number");
                }
                fields.put(f.getKey(), f.getValue().asText());
            });
            v.materials.put(e.getKey(), fields);
        }
        return v;
    }

    /** Applies the variant to the model in place; unknown objects and fields are bad input naming them. */
    public void applyTo(IdfFile idf) {
        constructions.forEach((name, layers) -> {
            IdfObject c = idf.find("Construction", name).orElseThrow(() -> WorkerException.badInput(
                    "the variant changes Construction '" + name + "', which the model does not have"));
            for (int i = 0; i < layers.size(); i++) {
                c.field(2 + i, layers.get(i));
            }
            c.truncate(1 + layers.size());
        });
        materials.forEach((name, fields) -> {
            IdfObject m = idf.objects().stream().filter(o -> FIELDS.containsKey(o.className().toLowerCase(Locale.ROOT))
                    && o.name().equalsIgnoreCase(name)).findFirst().orElseThrow(() -> WorkerException.badInput(
                            "the variant changes material '" + name + "', which the model does not have (as Material, "
                                    + "Material:NoMass or a window material)"));
            Map<String, Integer> known = FIELDS.get(m.className().toLowerCase(Locale.ROOT));
            fields.forEach((field, value) -> {
                Integer index = known.get(field.toLowerCase(Locale.ROOT));
                if (index == null) {
                    throw WorkerException.badInput(m.className() + " '" + name + "' has no field '" + field + "' a variant may set; "
                            + "known: " + known.keySet());
                }
                m.field(index, value);
            });
        });
    }
}
