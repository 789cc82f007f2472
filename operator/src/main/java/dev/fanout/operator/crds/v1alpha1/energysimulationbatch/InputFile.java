package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A named input file (a model or a weather file) from exactly one place. */
@ValidationRule(value = "[has(self.url), has(self.configMapKeyRef), has(self.persistentVolumeClaim)].filter(x, x).size() == 1",
        message = "give exactly one of url, configMapKeyRef or persistentVolumeClaim", reason = "FieldValueInvalid")
public class InputFile {
    @Required
    @Size(max = 20)
    @Pattern("^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$")
    @JsonPropertyDescription("Name used in variant ids, Job names and the results table: lower-case letters, digits and '-', at most 20.")
    public String name;

    @Pattern("^https?://[^\\s]+$")
    @JsonPropertyDescription("http(s) URL of the file.")
    public String url;

    @JsonPropertyDescription("A key of a ConfigMap in the batch's namespace (models only: weather files exceed the ConfigMap size limit).")
    public ConfigMapKey configMapKeyRef;

    @JsonPropertyDescription("A file on a PersistentVolumeClaim in the batch's namespace, mounted read-only.")
    public ClaimPath persistentVolumeClaim;

    public static class ConfigMapKey {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @JsonPropertyDescription("ConfigMap name.")
        public String name;

        @Required
        @Pattern("^[-._a-zA-Z0-9]+$")
        @JsonPropertyDescription("Key holding the file.")
        public String key;
    }

    public static class ClaimPath {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @JsonPropertyDescription("PersistentVolumeClaim name.")
        public String claimName;

        @Required
        @Size(max = 1024)
        @Pattern("^[^/\\s][^\\s]*$")
        @ValidationRule(value = "!self.contains('..')", message = "persistentVolumeClaim.path cannot contain '..'")
        @JsonPropertyDescription("Path of the file relative to the volume's root.")
        public String path;
    }
}
