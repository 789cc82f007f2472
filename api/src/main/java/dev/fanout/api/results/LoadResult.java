package dev.fanout.api.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What {@code spatial load} reports: the table, its rows and geometry, where the time went, and what was read
 * ({@code source}). {@code unchanged}: the source's bytes and the spec were those the table already holds (its comment says
 * so), so the load was skipped and the table left as it was (asked for with {@code --skip-unchanged}).
 * {@code downloadedBytes}: what this task fetched over the network; 0 when it read a copy another layer's task made
 * (a shared source), while {@code bytes} is what it read either way.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoadResult(String task, String table, Boolean dryRun, long rows, long invalidGeometries, long emptyGeometries,
        long bytes, String geometryType, int srid, String sourceCrs, Seconds seconds, List<String> droppedForeignKeys, SourceVersion source, Boolean unchanged,
        Long downloadedBytes) {

    /** Wall time per step; readBusy/encodeBusy/copyBusy are summed over the pipeline's threads. */
    public record Seconds(double download, double load, double readBusy, double encodeBusy, double copyBusy, double index,
            double analyze, double swap, double total) {
    }
}
