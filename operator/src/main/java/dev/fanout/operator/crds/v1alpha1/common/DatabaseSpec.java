package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Where results go: credentials only through a Secret reference. */
public class DatabaseSpec {
    @Required
    @JsonPropertyDescription("Secret with the JDBC URL, user and password of the target PostGIS database.")
    public SecretKeys secretRef;

    @Default("public")
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @JsonPropertyDescription("Target schema (default public); a plain SQL identifier.")
    public String schema = "public";
}
