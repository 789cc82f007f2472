package dev.fanout.api.results;

/**
 * What {@code energy collect} reports for one run; the full row is in the results table. {@code engineSeconds} is the
 * engine's own elapsed time (its .err), {@code runSeconds} the engine process's wall time (start to end, with its start-up).
 */
public record CollectResult(String task, String basis, double siteEnergyGJ, Double siteEuiMJm2, int warnings, Double engineSeconds,
        String table, Double runSeconds) {
    public CollectResult(String task, String basis, double siteEnergyGJ, Double siteEuiMJm2, int warnings, Double engineSeconds,
            String table) {
        this(task, basis, siteEnergyGJ, siteEuiMJm2, warnings, engineSeconds, table, null);
    }
}
