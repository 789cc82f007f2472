package dev.fanout.api.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a load read: each file fetched (the source, then a Shapefile's siblings) with the validators its server sent and
 * the SHA-256 of its bytes (as {@code sha256sum} prints it); {@code sha256} of the whole source (that of its one file,
 * else of the files' hashes joined in fetch order); the fingerprint of the load's spec; the rows loaded. The worker stores it with the table
 * (its comment) and in its result; the operator keeps it in the layer's status and asks the server, with a conditional
 * request, whether the files changed since.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourceVersion(List<FileVersion> files, String sha256, String fingerprint, Long rows) {

    /** One fetched file: its URL (or local path) and what its server said of it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileVersion(String url, String etag, String lastModified, Long length, String sha256) {
        /** Whether a conditional request can tell if this file changed. */
        public boolean hasValidator() {
            return etag != null || lastModified != null;
        }
    }

    /** The whole source's hash from its files' hashes. */
    public static String combined(List<FileVersion> files, java.util.function.UnaryOperator<String> sha256OfText) {
        return files.size() == 1 ? files.get(0).sha256()
                : sha256OfText.apply(String.join("\n", files.stream().map(FileVersion::sha256).toList()));
    }

    /** The same files and bytes loaded under the same spec: the table holds what a new load would write. */
    public boolean sameContent(SourceVersion other) {
        return other != null && sha256 != null && sha256.equals(other.sha256) && fingerprint != null
                && fingerprint.equals(other.fingerprint);
    }
}
