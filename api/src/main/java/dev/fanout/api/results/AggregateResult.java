package dev.fanout.api.results;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What {@code energy aggregate} reports: the ranked view, the spread of results and the best variant. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AggregateResult(String task, String view, Long removedRows, long rows, Double minEui, Double medianEui, Double maxEui,
        String best, Double bestSavingsPercent, String warning, String csv) {
}
