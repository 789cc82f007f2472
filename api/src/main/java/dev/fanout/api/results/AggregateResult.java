package dev.fanout.api.results;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What {@code energy aggregate} reports: the ranked view, the spread of results and the best variant. A pack that may be a
 * batch's last ranks too ({@code energy collect --rank}) and adds {@code rowsDigest}: which rows its figures are of
 * ({@link RowsDigest}), so the operator can tell whether they are of every run as it is now.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AggregateResult(String task, String view, Long removedRows, long rows, Double minEui, Double medianEui, Double maxEui,
        String best, Double bestSavingsPercent, String warning, String csv, String rowsDigest) {
    public AggregateResult(String task, String view, Long removedRows, long rows, Double minEui, Double medianEui, Double maxEui,
            String best, Double bestSavingsPercent, String warning, String csv) {
        this(task, view, removedRows, rows, minEui, medianEui, maxEui, best, bestSavingsPercent, warning, csv, null);
    }
}
