package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the layer's table holds, as the worker recorded it (the table's comment says the same). */
public class LoadedSource {
    @JsonPropertyDescription("The files read: the source, then a Shapefile's sibling files.")
    public List<File> files = new ArrayList<>();

    @JsonPropertyDescription("SHA-256 of the source (of its one file, else of its files' hashes in order).")
    public String sha256;

    @JsonPropertyDescription("Fingerprint of the layer's spec the table was loaded under.")
    public String fingerprint;

    @JsonPropertyDescription("When the table was last replaced.")
    public String loadedTime;

    /** One file and the validators its server sent. */
    public static class File {
        public String url;
        public String etag;
        public String lastModified;
        public Long length;
        public String sha256;
    }
}
