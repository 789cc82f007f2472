package dev.fanout.worker.energy;

import dev.fanout.worker.ExitCode;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.io.ResultFile;
import dev.fanout.worker.pg.Database;
import dev.fanout.worker.pg.Identifiers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The batch's roll-up: a ranked view of its rows (site EUI ascending; savings against the baseline variant in % and kWh)
 * and a small summary for the status: best variant, min/median/max EUI, how many rows.
 */
@Command(name = "aggregate", mixinStandardHelpOptions = true, description = "Rank a batch's results and summarise them.")
public class AggregateCommand implements Callable<Integer> {
    private static final double KWH_PER_GJ = 277.7777777777778;

    @Option(names = "--batch", required = true)
    String batch;
    @Option(names = "--baseline", description = "the baseline variant id (savings are against it)")
    String baseline;
    @Option(names = "--schema", defaultValue = "public")
    String schema;
    @Option(names = "--table", defaultValue = "energy_results")
    String table;
    @Option(names = "--result", defaultValue = "/dev/termination-log")
    Path result;

    static String viewName(String table, String batch) {
        String v = table + "_ranked_" + batch.replaceAll("[^A-Za-z0-9_]", "_");
        return v.length() > 63 ? v.substring(0, 63) : v;
    }

    @Override
    public Integer call() {
        Identifiers.validate("--schema", schema);
        Identifiers.validate("--table", table);
        String t = Identifiers.qualified(schema, table);
        String view = Identifiers.qualified(schema, viewName(table, batch));
        try (Connection c = Database.connect()) {
            CollectCommand.createTable(c, schema, table);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("CREATE OR REPLACE VIEW " + view + " AS SELECT rank() OVER (ORDER BY r.site_eui_mj_m2, r.variant) AS rank, "
                        + "r.variant, r.model, r.weather, r.site_eui_mj_m2, r.site_energy_gj, "
                        + "round((100 * (b.site_energy_gj - r.site_energy_gj) / NULLIF(b.site_energy_gj, 0))::numeric, 2) AS savings_percent, "
                        + "round(((b.site_energy_gj - r.site_energy_gj) * " + KWH_PER_GJ + ")::numeric, 1) AS savings_kwh "
                        + "FROM " + t + " r LEFT JOIN " + t + " b ON b.batch = r.batch AND b.variant = "
                        + Identifiers.literal(baseline == null ? "" : baseline) + " WHERE r.batch = " + Identifiers.literal(batch));
            }
            c.commit();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("task", "aggregate");
            out.put("view", schema + "." + viewName(table, batch));
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), min(site_eui_mj_m2), "
                    + "percentile_cont(0.5) WITHIN GROUP (ORDER BY site_eui_mj_m2), max(site_eui_mj_m2) FROM " + t + " WHERE batch = ?")) {
                ps.setString(1, batch);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out.put("rows", rs.getLong(1));
                    out.put("minEui", rs.getObject(2));
                    out.put("medianEui", rs.getObject(3));
                    out.put("maxEui", rs.getObject(4));
                }
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT variant, site_eui_mj_m2, savings_percent FROM "
                    + view + " ORDER BY rank LIMIT 1")) {
                if (rs.next()) {
                    out.put("best", rs.getString(1));
                    out.put("bestSavingsPercent", rs.getObject(3));
                }
            }
            if (baseline != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + t + " WHERE batch = ? AND variant = ?")) {
                    ps.setString(1, batch);
                    ps.setString(2, baseline);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw WorkerException.badInput("the baseline variant '" + baseline + "' has no results row in batch " + batch);
                        }
                    }
                }
            }
            ResultFile.write(result, out);
        } catch (SQLException e) {
            throw Database.classify("aggregating batch " + batch + " failed", e);
        }
        return ExitCode.OK;
    }
}
