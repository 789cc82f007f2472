package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Secret holding database credentials; task pods get them as env from secretKeyRef, the operator never reads them. */
public class SecretKeys {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of a Secret in the resource's namespace holding the database connection.")
    public String name;

    @Default("url")
    @JsonPropertyDescription("Key of the JDBC URL in the Secret, e.g. jdbc:postgresql://postgis:5432/gis (default url).")
    public String urlKey = "url";

    @Default("user")
    @JsonPropertyDescription("Key of the database user in the Secret (default user).")
    public String userKey = "user";

    @Default("password")
    @JsonPropertyDescription("Key of the database password in the Secret (default password).")
    public String passwordKey = "password";
}
