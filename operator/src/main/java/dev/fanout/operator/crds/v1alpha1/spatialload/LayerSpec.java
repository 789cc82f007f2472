package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/** One layer: one task, one Job (per attempt), one table. */
public class LayerSpec {
    @Required
    @Size(max = 40)
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the layer: a DNS label (lower case, digits, '-'), unique in spec.layers; part of the Job names.")
    public String name;

    @Required
    @JsonPropertyDescription("Where the layer comes from.")
    public SourceSpec source;

    @Required
    @Size(max = 63)
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @JsonPropertyDescription("Target table in spec.database.schema; replaced atomically on each load.")
    public String table;

    @Min(1)
    @Default("4326")
    @JsonPropertyDescription("SRID of the table's geometry column (default 4326); the layer is reprojected to it.")
    public Integer targetSrid = 4326;

    @Size(max = 1000)
    @JsonPropertyDescription("Attributes to keep, by their names in the source (default all).")
    public List<String> select;

    @JsonPropertyDescription("Renames: source attribute -> column name (a plain SQL identifier; checked before the Job starts).")
    public Map<String, String> rename;

    @Size(max = 32)
    @JsonPropertyDescription("Columns to index (btree) after the load, e.g. link keys (plain SQL identifiers; checked before the Job starts).")
    public List<String> keys;

    @JsonPropertyDescription("Foreign key to a parent layer, filled by the aggregate Job once every layer is loaded.")
    public ParentLinkSpec parent;

    @JsonPropertyDescription("Approximate size of the source (e.g. 2Gi): larger layers start first.")
    public Quantity sizeHint;
}
