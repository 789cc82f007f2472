package dev.fanout.api.results;

/** What {@code energy collect} reports for one run; the full row is in the results table. */
public record CollectResult(String task, String basis, double siteEnergyGJ, Double siteEuiMJm2, int warnings, Double engineSeconds,
        String table) {
}
