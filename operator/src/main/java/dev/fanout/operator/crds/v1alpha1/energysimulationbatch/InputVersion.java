package dev.fanout.operator.crds.v1alpha1.energysimulationbatch;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What a scheduled batch last saw of one input file; its revision is part of the fingerprint of the runs that use it. */
public class InputVersion {
    @JsonPropertyDescription("model/<name> or weather/<name>.")
    public String input;

    @JsonPropertyDescription("The file's URL (absent for ConfigMap and volume inputs, which are not checked).")
    public String url;

    public String etag;
    public String lastModified;
    public Long length;

    @JsonPropertyDescription("Set by a run that found the file changed (or could not tell): the runs using it run again.")
    public String revision;
}
