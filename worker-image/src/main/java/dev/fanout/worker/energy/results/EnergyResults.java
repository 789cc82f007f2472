package dev.fanout.worker.energy.results;

import dev.fanout.worker.WorkerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The figures of one run, read from eplusout.sql (Output:SQLite) table TabularDataWithStrings: the Annual Building Utility
 * Performance Summary's site and source energy, site EUI, heating and cooling end uses (all fuels) and the unmet
 * occupied heating/cooling hours.
 * <p>
 * That summary covers weather-file run periods only, so a design-day run reports zero there. For such runs the site energy
 * is the sum of the {@code <fuel>:Facility} meters over the design days (reported at RunPeriod frequency, which `energy
 * prepare` requests), and the EUI that energy over the building's total area: a comparable figure to rank variants by.
 * {@link #basis} says which one a row holds.
 */
public record EnergyResults(double totalSiteEnergyGJ, double totalSourceEnergyGJ, Double siteEuiMJm2, double heatingGJ,
        double coolingGJ, Double unmetHeatingHours, Double unmetCoolingHours, String engineVersion, String basis) {
    public static final String ANNUAL = "annual";
    public static final String DESIGN_DAYS = "design-days";

    private static final String ABUPS = "AnnualBuildingUtilityPerformanceSummary";

    public static EnergyResults read(Path sql) {
        if (!Files.isRegularFile(sql)) {
            throw WorkerException.badInput("no " + sql.getFileName() + ": the run wrote no SQLite output (Output:SQLite missing?)");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + sql.toAbsolutePath() + "?mode=ro")) {
            Double site = value(c, "Site and Source Energy", "Total Site Energy", "Total Energy");
            if (site == null) {
                throw WorkerException.badInput(sql.getFileName() + " has no Annual Building Utility Performance Summary "
                        + "(the run did not reach the end, or tabular output is off)");
            }
            Double source = value(c, "Site and Source Energy", "Total Source Energy", "Total Energy");
            Double eui = value(c, "Site and Source Energy", "Total Site Energy", "Energy Per Total Building Area");
            String version = null;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT EnergyPlusVersion FROM Simulations LIMIT 1")) {
                version = rs.next() ? rs.getString(1) : null;
            }
            String basis = ANNUAL;
            if (site == 0) {
                double meters = designDayMeters(c);
                Double area = value(c, "Building Area", "Total Building Area", "Area");
                if (meters > 0) {
                    basis = DESIGN_DAYS;
                    site = meters;
                    eui = area == null || area <= 0 ? null : meters * 1000 / area;
                }
            }
            return new EnergyResults(site, source == null ? 0 : source, eui, endUse(c, "Heating"), endUse(c, "Cooling"),
                    value(c, "Comfort and Setpoint Not Met Summary", "Time Setpoint Not Met During Occupied Heating", "Facility"),
                    value(c, "Comfort and Setpoint Not Met Summary", "Time Setpoint Not Met During Occupied Cooling", "Facility"),
                    version, basis);
        } catch (SQLException e) {
            throw WorkerException.badInput(sql.getFileName() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Sum over all environments of every {@code *:Facility} meter at RunPeriod frequency, in GJ (the meters are in J). */
    private static double designDayMeters(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT coalesce(sum(r.Value), 0) FROM ReportData r "
                + "JOIN ReportDataDictionary d ON d.ReportDataDictionaryIndex = r.ReportDataDictionaryIndex "
                + "WHERE d.IsMeter = 1 AND d.Name LIKE '%:Facility' AND d.ReportingFrequency = 'Run Period'")) {
            return rs.next() ? rs.getDouble(1) / 1e9 : 0;
        } catch (SQLException e) {
            return 0; // no report data tables: a run without meters
        }
    }

    private static Double value(Connection c, String table, String row, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT Value FROM TabularDataWithStrings WHERE ReportName = ? "
                + "AND ReportForString = 'Entire Facility' AND TableName = ? AND RowName = ? AND ColumnName = ?")) {
            ps.setString(1, ABUPS);
            ps.setString(2, table);
            ps.setString(3, row);
            ps.setString(4, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? number(rs.getString(1)) : null;
            }
        }
    }

    /** An end use over every fuel (columns in GJ; water is in m3 and left out). */
    private static double endUse(Connection c, String row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT Value FROM TabularDataWithStrings WHERE ReportName = ? "
                + "AND ReportForString = 'Entire Facility' AND TableName = 'End Uses' AND RowName = ? AND Units = 'GJ'")) {
            ps.setString(1, ABUPS);
            ps.setString(2, row);
            double sum = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Double v = number(rs.getString(1));
                    sum += v == null ? 0 : v;
                }
            }
            return sum;
        }
    }

    private static Double number(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
