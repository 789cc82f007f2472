package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the aggregate Job did for one parent link. */
public class LinkResult {
    @JsonPropertyDescription("Child table (schema.table).")
    public String child;

    @JsonPropertyDescription("Parent table (schema.table).")
    public String parent;

    @JsonPropertyDescription("The foreign-key column.")
    public String fkColumn;

    @JsonPropertyDescription("Child rows that found their parent.")
    public Long linked;

    @JsonPropertyDescription("Child rows with no parent (their key matches no parent row).")
    public Long orphans;
}
