package dev.fanout.worker.energy;

import dev.fanout.api.results.AggregateResult;
import dev.fanout.api.results.RowsDigest;
import dev.fanout.worker.pg.Identifiers;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A batch's ranking, shared by {@code energy aggregate} and a pack that may end its batch ({@code energy collect --rank}):
 * the ranked view of its rows (site EUI ascending; savings against the baseline variant in % and kWh) and the summary for
 * the status.
 */
final class Ranking {
    private static final double KWH_PER_GJ = 277.7777777777778;

    private Ranking() {
    }

    static String viewName(String table, String batch) {
        String v = table + "_ranked_" + batch.replaceAll("[^A-Za-z0-9_]", "_");
        return v.length() > 63 ? v.substring(0, 63) : v;
    }

    /**
     * (Re)creates the ranked view in one transaction, so readers see the old view or the new one; an advisory lock on the
     * view's name keeps two packs ending together from replacing it at once.
     */
    static void createView(Connection c, String schema, String table, String batch, String baseline) throws SQLException {
        String t = Identifiers.qualified(schema, table);
        String view = Identifiers.qualified(schema, viewName(table, batch));
        inTransaction(c, Connection.TRANSACTION_READ_COMMITTED, () -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(hashtext(" + Identifiers.literal(view) + "))");
                st.execute("DROP VIEW IF EXISTS " + view);
                st.execute("CREATE VIEW " + view + " AS SELECT rank() OVER (ORDER BY r.site_eui_mj_m2, r.variant) AS rank, "
                        + "r.variant, r.model, r.weather, r.site_eui_mj_m2, r.site_energy_gj, r.basis, "
                        + "round((100 * (b.site_energy_gj - r.site_energy_gj) / NULLIF(b.site_energy_gj, 0))::numeric, 2) AS savings_percent, "
                        + "round(((b.site_energy_gj - r.site_energy_gj) * " + KWH_PER_GJ + ")::numeric, 1) AS savings_kwh "
                        + "FROM " + t + " r LEFT JOIN " + t + " b ON b.batch = r.batch AND b.model = r.model AND b.weather = r.weather AND b.variant = "
                        + Identifiers.literal(baseline == null ? "" : baseline) + " WHERE r.batch = " + Identifiers.literal(batch));
            }
            return null;
        });
    }

    /**
     * The summary of the batch's rows, read in one snapshot (repeatable read): how many, min/median/max EUI, the best
     * variant and its savings, a warning when the baseline has no row; with {@code digest}, which rows they were.
     */
    static AggregateResult summarise(Connection c, String schema, String table, String batch, String baseline, boolean digest)
            throws SQLException {
        String t = Identifiers.qualified(schema, table);
        String view = Identifiers.qualified(schema, viewName(table, batch));
        return inTransaction(c, Connection.TRANSACTION_REPEATABLE_READ, () -> {
            long rows;
            Double minEui;
            Double medianEui;
            Double maxEui;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), min(site_eui_mj_m2), "
                    + "percentile_cont(0.5) WITHIN GROUP (ORDER BY site_eui_mj_m2), max(site_eui_mj_m2) FROM " + t + " WHERE batch = ?")) {
                ps.setString(1, batch);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rows = rs.getLong(1);
                    minEui = rs.getObject(2, Double.class);
                    medianEui = rs.getObject(3, Double.class);
                    maxEui = rs.getObject(4, Double.class);
                }
            }
            String best = null;
            Double bestSavings = null;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT variant, site_eui_mj_m2, savings_percent FROM "
                    + view + " ORDER BY rank LIMIT 1")) {
                if (rs.next()) {
                    best = rs.getString(1);
                    bestSavings = rs.getObject(3) == null ? null : rs.getDouble(3);
                }
            }
            String warning = null;
            if (baseline != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + t + " WHERE batch = ? AND variant = ?")) {
                    ps.setString(1, batch);
                    ps.setString(2, baseline);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            // The ranking stands without it; savings stay empty and the status says why.
                            warning = "the baseline variant '" + baseline + "' has no results row (did its run fail?): the ranking has no savings";
                        }
                    }
                }
            }
            String rowsDigest = null;
            if (digest) {
                try (PreparedStatement ps = c.prepareStatement(RowsDigest.SQL.formatted(t))) {
                    ps.setString(1, batch);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        rowsDigest = RowsDigest.of(rs.getLong(1), rs.getObject(2, BigDecimal.class).toBigIntegerExact());
                    }
                }
            }
            return new AggregateResult("aggregate", schema + "." + viewName(table, batch), null, rows, minEui, medianEui, maxEui, best,
                    bestSavings, warning, null, rowsDigest);
        });
    }

    /** Work on a connection that may throw SQLException. */
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /** {@code work} in one transaction at this isolation level (rolled back if it throws), the connection's settings restored. */
    private static <T> T inTransaction(Connection c, int isolation, SqlWork<T> work) throws SQLException {
        boolean auto = c.getAutoCommit();
        int was = c.getTransactionIsolation();
        c.setAutoCommit(false);
        c.setTransactionIsolation(isolation);
        try {
            T out = work.run();
            c.commit();
            return out;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setTransactionIsolation(was);
            c.setAutoCommit(auto);
        }
    }
}
