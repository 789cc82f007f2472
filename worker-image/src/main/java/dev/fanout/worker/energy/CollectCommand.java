package dev.fanout.worker.energy;

import dev.fanout.api.ExitCode;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.CollectArgs;
import dev.fanout.api.args.Flags;
import dev.fanout.api.results.CollectResult;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.energy.results.EnergyResults;
import dev.fanout.worker.energy.results.ErrSummary;
import dev.fanout.worker.io.ResultFile;
import dev.fanout.worker.pg.Database;
import dev.fanout.worker.pg.Identifiers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * After the engine: did it complete (its exit code, "Completed Successfully" in eplusout.err)? Then read eplusout.sql
 * and upsert the variant's row into the results table. A fatal EnergyPlus error fails the variant as bad input (no
 * retry: the same input fails the same way) with an excerpt of the .err.
 */
@Command(name = "collect", mixinStandardHelpOptions = true, description = "Check a variant's run and upsert its results row.")
public class CollectCommand implements Callable<Integer> {
    @Option(names = CollectArgs.OUTPUT, required = true, description = "the engine's output directory (eplusout.err, eplusout.sql, exit-code)")
    Path output;
    @Option(names = CollectArgs.BATCH, required = true, description = "the batch (the EnergySimulationBatch's name)")
    String batch;
    @Option(names = CollectArgs.VARIANT, description = "the variant id (a pack of runs: energy pack)")
    String variant;
    @Option(names = CollectArgs.MODEL, defaultValue = "", description = "model name, stored with the row")
    String model;
    @Option(names = CollectArgs.WEATHER, defaultValue = "", description = "weather name, stored with the row")
    String weather;
    @Option(names = Flags.SCHEMA, defaultValue = "public")
    String schema;
    @Option(names = Flags.TABLE, defaultValue = "energy_results", description = "the results table (created when missing)")
    String table;
    @Option(names = Flags.RESULT, defaultValue = WorkerContract.RESULT_FILE)
    Path result;
    @Option(names = CollectArgs.KEEP_OUTPUTS, description = "copy the engine's output files into this directory (e.g. on an outputs PVC)")
    Path keep;

    /** A run's engine output that passed the checks. */
    record Checked(EnergyResults results, ErrSummary summary, Double wallSeconds) {
    }

    @Override
    public Integer call() throws Exception {
        Identifiers.validate("--schema", schema);
        Identifiers.validate("--table", table);
        if (variant == null) {
            throw WorkerException.badInput("give " + CollectArgs.VARIANT + " (the run's variant id)");
        }
        Checked run = check(output);
        if (keep != null) {
            keepOutputs(output, keep);
        }
        try (Connection c = Database.connect()) {
            createTable(c, schema, table);
            upsert(c, schema, table, new RowKey(batch, model, weather, variant), null, run);
        } catch (SQLException e) {
            throw Database.classify("writing the results row failed", e);
        }
        ResultFile.write(result, new CollectResult(variant, run.results().basis(), run.results().totalSiteEnergyGJ(),
                run.results().siteEuiMJm2(), run.summary().warnings(), run.summary().elapsedSeconds(), schema + "." + table, run.wallSeconds()));
        return ExitCode.OK;
    }

    /**
     * Did the engine complete (its exit code, "Completed Successfully" in eplusout.err)? A run killed by a signal is
     * transient; no .err, or an engine that did not complete, is bad input (the .err excerpt says why).
     */
    static Checked check(Path output) throws java.io.IOException {
        Path exitFile = output.resolve(CollectArgs.EXIT_CODE_FILE);
        String exit = Files.isRegularFile(exitFile) ? Files.readString(exitFile).strip() : "";
        if (exit.matches("\\d+") && Integer.parseInt(exit) > 128) {
            // Killed by a signal (OOM killer, eviction): not the input's fault, so the operator retries it.
            throw WorkerException.transientFailure("EnergyPlus was killed by signal " + (Integer.parseInt(exit) - 128)
                    + " (exit code " + exit + "): out of memory or evicted; raise the memory limit if it repeats", null);
        }
        Path err = output.resolve("eplusout.err");
        if (!Files.isRegularFile(err)) {
            throw WorkerException.badInput("the engine left no eplusout.err in " + output + ": it did not run (see the engine container's log)");
        }
        ErrSummary summary = ErrSummary.read(err);
        if (!summary.completed() || (!exit.isEmpty() && !exit.equals("0"))) {
            throw WorkerException.badInput("EnergyPlus did not complete (exit code " + (exit.isEmpty() ? "?" : exit) + ", "
                    + summary.severe() + " severe errors): " + String.join(" | ", summary.excerpt()));
        }
        return new Checked(EnergyResults.read(output.resolve("eplusout.sql")), summary, wallSeconds(output));
    }

    /** The engine process's wall time from the times the engine step wrote, or null (an engine image without GNU date). */
    static Double wallSeconds(Path output) {
        try {
            double start = Double.parseDouble(Files.readString(output.resolve(CollectArgs.ENGINE_START_FILE)).strip());
            double end = Double.parseDouble(Files.readString(output.resolve(CollectArgs.ENGINE_END_FILE)).strip());
            return end >= start ? Math.round((end - start) * 1000) / 1000.0 : null;
        } catch (java.io.IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Copies the output files (not directories) into --keep-outputs, through a temporary name so no half file stays. */
    static void keepOutputs(Path output, Path keep) throws java.io.IOException {
        Files.createDirectories(keep);
        try (var files = Files.list(output)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path tmp = keep.resolve("." + f.getFileName() + ".part");
                Files.copy(f, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    static void createTable(Connection c, String schema, String table) throws SQLException {
        Database.createSchema(c, schema);
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + Identifiers.qualified(schema, table) + " (batch text NOT NULL, variant text NOT NULL, "
                    + "model text, weather text, site_energy_gj double precision, source_energy_gj double precision, "
                    + "site_eui_mj_m2 double precision, heating_gj double precision, cooling_gj double precision, "
                    + "unmet_heating_hours double precision, unmet_cooling_hours double precision, warnings integer, "
                    + "severe_errors integer, engine_seconds double precision, engine_version text, basis text, "
                    + "updated_at timestamptz NOT NULL DEFAULT now(), run_hash text, PRIMARY KEY (batch, model, weather, variant))");
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw e;
            }
        }
        addRunHash(c, schema, table);
    }

    /**
     * A table made before rows had their run's spec hash gets the column. Looked up first: ALTER TABLE takes an exclusive
     * lock even when the column exists, and would wait behind every reader of the table.
     */
    private static void addRunHash(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_attribute WHERE attrelid = ?::regclass AND attname = 'run_hash' "
                + "AND NOT attisdropped")) {
            ps.setString(1, Identifiers.qualified(schema, table));
            try (var rs = ps.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + Identifiers.qualified(schema, table) + " ADD COLUMN IF NOT EXISTS run_hash text");
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42701".equals(e.getSQLState())) { // another collect added it first
                throw e;
            }
        }
    }

    /** What identifies a results row (the table's primary key). */
    record RowKey(String batch, String model, String weather, String variant) {
    }

    /** The run's row; {@code runHash}: the spec hash of the run that wrote it (null: not known, as for a run of its own). */
    static void upsert(Connection c, String schema, String table, RowKey key, String runHash, Checked run) throws SQLException {
        EnergyResults r = run.results();
        ErrSummary s = run.summary();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Identifiers.qualified(schema, table) + " (batch, variant, model, "
                + "weather, site_energy_gj, source_energy_gj, site_eui_mj_m2, heating_gj, cooling_gj, unmet_heating_hours, "
                + "unmet_cooling_hours, warnings, severe_errors, engine_seconds, engine_version, basis, run_hash) VALUES "
                + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch, model, weather, variant) DO UPDATE SET "
                + "site_energy_gj = EXCLUDED.site_energy_gj, source_energy_gj = EXCLUDED.source_energy_gj, "
                + "site_eui_mj_m2 = EXCLUDED.site_eui_mj_m2, heating_gj = EXCLUDED.heating_gj, cooling_gj = EXCLUDED.cooling_gj, "
                + "unmet_heating_hours = EXCLUDED.unmet_heating_hours, unmet_cooling_hours = EXCLUDED.unmet_cooling_hours, "
                + "warnings = EXCLUDED.warnings, severe_errors = EXCLUDED.severe_errors, engine_seconds = EXCLUDED.engine_seconds, "
                + "engine_version = EXCLUDED.engine_version, basis = EXCLUDED.basis, run_hash = EXCLUDED.run_hash, updated_at = now()")) {
            ps.setString(1, key.batch());
            ps.setString(2, key.variant());
            ps.setString(3, key.model());
            ps.setString(4, key.weather());
            ps.setDouble(5, r.totalSiteEnergyGJ());
            ps.setDouble(6, r.totalSourceEnergyGJ());
            ps.setObject(7, r.siteEuiMJm2());
            ps.setDouble(8, r.heatingGJ());
            ps.setDouble(9, r.coolingGJ());
            ps.setObject(10, r.unmetHeatingHours());
            ps.setObject(11, r.unmetCoolingHours());
            ps.setInt(12, s.warnings());
            ps.setInt(13, s.severe());
            ps.setObject(14, s.elapsedSeconds());
            ps.setString(15, r.engineVersion());
            ps.setString(16, r.basis());
            ps.setString(17, runHash);
            ps.executeUpdate();
        }
    }
}
