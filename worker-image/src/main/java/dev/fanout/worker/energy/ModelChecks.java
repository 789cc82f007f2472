package dev.fanout.worker.energy;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.energy.idf.IdfFile;
import dev.fanout.worker.energy.idf.IdfObject;
import java.util.ArrayList;
import java.util.List;

/** Before a run: every Construction a surface names exists, every layer a Construction names exists. */
final class ModelChecks {
    /** Classes a Construction layer may name. */
    static final List<String> LAYER_CLASSES = List.of("Material", "Material:NoMass", "Material:AirGap", "Material:InfraredTransparent",
            "WindowMaterial:Glazing", "WindowMaterial:Gas", "WindowMaterial:SimpleGlazingSystem", "WindowMaterial:Shade",
            "WindowMaterial:Blind", "WindowMaterial:Screen", "WindowMaterial:GasMixture", "WindowMaterial:GlazingGroup:Thermochromic");

    private ModelChecks() {
    }

    static void check(IdfFile idf) {
        List<String> problems = new ArrayList<>();
        // Where each surface class keeps its Construction Name (1-based field, as in the IDD).
        java.util.Map<String, Integer> constructionField = java.util.Map.of("BuildingSurface:Detailed", 3,
                "FenestrationSurface:Detailed", 3, "Wall:Detailed", 2, "RoofCeiling:Detailed", 2, "Floor:Detailed", 2,
                "Window", 2, "Door", 2, "Wall:Exterior", 2, "Roof", 2);
        for (var e : constructionField.entrySet()) {
            String surfaceClass = e.getKey();
            int field = e.getValue();
            for (IdfObject s : idf.ofClass(surfaceClass)) {
                String construction = s.field(field);
                if (!construction.isEmpty() && idf.find("Construction", construction).isEmpty()) {
                    problems.add(surfaceClass + " '" + s.name() + "' field " + field + " (Construction Name) names Construction '"
                            + construction + "', which does not exist");
                }
            }
        }
        for (IdfObject c : idf.ofClass("Construction")) {
            for (int i = 2; i <= c.fieldCount(); i++) {
                String layer = c.field(i);
                if (!layer.isEmpty() && idf.findAny(LAYER_CLASSES, layer).isEmpty()) {
                    problems.add("Construction '" + c.name() + "' field " + i + " (layer " + (i - 1) + ") names material '" + layer
                            + "', which does not exist");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw WorkerException.badInput("the model refers to objects it does not have: " + String.join("; ",
                    problems.subList(0, Math.min(5, problems.size()))) + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : ""));
        }
    }
}
