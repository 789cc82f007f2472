package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A foreign key from this layer to a parent layer over a string key, filled by the aggregate Job. */
public class ParentLinkSpec {
    @Required
    @Size(max = 40)
    @JsonPropertyDescription("Name of the parent layer in spec.layers.")
    public String layer;

    @Required
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @JsonPropertyDescription("Key column of this layer (matched case-insensitively: columns are loaded in lower case).")
    public String column;

    @Required
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @JsonPropertyDescription("Key column of the parent layer, e.g. ADM0_A3.")
    public String parentColumn;

    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @JsonPropertyDescription("Name of the foreign-key column added to this layer's table (default <parent table>_fid).")
    public String fkColumn;
}
