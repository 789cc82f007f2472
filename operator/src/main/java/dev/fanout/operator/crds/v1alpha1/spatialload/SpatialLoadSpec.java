package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import dev.fanout.operator.crds.v1alpha1.common.FanoutSpec;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@ValidationRule(value = "self.layers.all(l, !has(l.parent) || self.layers.exists(p, p.name == l.parent.layer))",
        message = "spec.layers[].parent.layer must name a layer of spec.layers", reason = "FieldValueInvalid")
@ValidationRule(value = "self.layers.all(l, !has(l.parent) || l.parent.layer != l.name)",
        message = "spec.layers[].parent.layer cannot name the layer itself", reason = "FieldValueInvalid")
public class SpatialLoadSpec extends FanoutSpec {
    @Required
    @JsonPropertyDescription("The target PostGIS database.")
    public DatabaseSpec database;

    @Required
    @Size(min = 1, max = 100)
    @ValidationRule(value = "self.all(l, self.exists_one(m, m.name == l.name))", message = "spec.layers[].name must be unique")
    @ValidationRule(value = "self.all(l, self.exists_one(m, m.table == l.table))", message = "spec.layers[].table must be unique")
    @JsonPropertyDescription("The layers to load, one task Job each.")
    public List<LayerSpec> layers;

    @JsonPropertyDescription("Where layers that share a source (the same url) take one copy of it per run instead of one "
            + "download each, e.g. GADM's six levels in one GeoPackage. Without it each layer downloads its source.")
    public SourceCacheSpec sourceCache;
}
