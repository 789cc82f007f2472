package dev.fanout.worker.energy;

import dev.fanout.api.ExitCode;
import dev.fanout.api.SampleIds;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.AggregateArgs;
import dev.fanout.api.args.Flags;
import dev.fanout.api.results.AggregateResult;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The batch's roll-up: rows of runs the spec no longer has removed, then the {@link Ranking} (a ranked view of its rows and
 * a small summary for the status: best variant, min/median/max EUI, how many rows), and the ranked rows as CSV if asked.
 */
@Command(name = "aggregate", mixinStandardHelpOptions = true, description = "Rank a batch's results and summarise them.")
public class AggregateCommand implements Callable<Integer> {
    @Option(names = AggregateArgs.BATCH, required = true)
    String batch;
    @Option(names = AggregateArgs.BASELINE, description = "the baseline variant id (savings are against it)")
    String baseline;
    @Option(names = Flags.SCHEMA, defaultValue = "public")
    String schema;
    @Option(names = Flags.TABLE, defaultValue = "energy_results")
    String table;
    @Option(names = Flags.RESULT, defaultValue = WorkerContract.RESULT_FILE)
    Path result;
    @Option(names = AggregateArgs.CSV, description = "also write the ranked rows as CSV to this file (e.g. on the outputs PVC)")
    Path csv;
    @Option(names = AggregateArgs.MODELS, split = ",", description = "the batch's models now; with --weather and --variants, rows of "
            + "runs no longer in the batch (a variant removed from its spec) are deleted before ranking")
    List<String> models;
    @Option(names = AggregateArgs.WEATHER, split = ",", description = "the batch's weather names now")
    List<String> weather;
    @Option(names = AggregateArgs.VARIANTS, split = ",", description = "the batch's construction set names now")
    List<String> variants;
    @Option(names = AggregateArgs.SAMPLES, description = "the batch's sampled variants now, as PREFIX:COUNT (e.g. lhs:5000 = lhs-00001..lhs-05000)")
    String samples;

    /** The ranked view as CSV (RFC 4180 quoting), written to a temporary name and moved, so readers never see half a file. */
    private void writeCsv(Connection c, String view) throws SQLException, java.io.IOException {
        java.nio.file.Files.createDirectories(csv.toAbsolutePath().getParent());
        Path tmp = csv.resolveSibling("." + csv.getFileName() + ".part");
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + view + " ORDER BY rank, variant");
                var w = java.nio.file.Files.newBufferedWriter(tmp, java.nio.charset.StandardCharsets.UTF_8)) {
            int n = rs.getMetaData().getColumnCount();
            for (int i = 1; i <= n; i++) {
                w.write((i > 1 ? "," : "") + csvField(rs.getMetaData().getColumnLabel(i)));
            }
            w.write("\r\n");
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    String v = rs.getString(i);
                    w.write((i > 1 ? "," : "") + (v == null ? "" : csvField(v)));
                }
                w.write("\r\n");
            }
        }
        java.nio.file.Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static String csvField(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** Deletes the batch's rows of runs its spec no longer has, so the ranking is of the batch as it is now. */
    private long removeStaleRows(Connection c, String t) throws SQLException {
        SampleIds.Range range = null;
        if (samples != null) {
            try {
                range = SampleIds.parseRange(samples);
            } catch (IllegalArgumentException e) {
                throw WorkerException.badInput(AggregateArgs.SAMPLES + " " + e.getMessage());
            }
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t + " WHERE batch = ? AND NOT (model = ANY (?) AND weather = ANY (?) "
                + "AND (variant = ANY (?) OR (variant ~ ? AND substring(variant from '[0-9]+$')::int <= ?)))")) {
            ps.setString(1, batch);
            ps.setArray(2, c.createArrayOf("text", models.toArray()));
            ps.setArray(3, c.createArrayOf("text", weather.toArray()));
            ps.setArray(4, c.createArrayOf("text", (variants == null ? List.<String>of() : variants).toArray()));
            ps.setString(5, range == null ? "^$" : range.regex());
            ps.setInt(6, range == null ? 0 : range.count());
            return ps.executeUpdate();
        }
    }

    @Override
    public Integer call() {
        Identifiers.validate("--schema", schema);
        Identifiers.validate("--table", table);
        String t = Identifiers.qualified(schema, table);
        String view = Identifiers.qualified(schema, Ranking.viewName(table, batch));
        try (Connection c = Database.connect()) {
            CollectCommand.createTable(c, schema, table);
            long removed = models == null || weather == null ? 0 : removeStaleRows(c, t);
            Ranking.createView(c, schema, table, batch, baseline);
            AggregateResult r = Ranking.summarise(c, schema, table, batch, baseline, false);
            if (csv != null) {
                writeCsv(c, view);
            }
            ResultFile.write(result, new AggregateResult(r.task(), r.view(), removed > 0 ? removed : null, r.rows(), r.minEui(), r.medianEui(),
                    r.maxEui(), r.best(), r.bestSavingsPercent(), r.warning(), csv == null ? null : csv.toString()));
        } catch (java.io.IOException e) {
            throw WorkerException.badInput("cannot write --csv " + csv + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw Database.classify("aggregating batch " + batch + " failed", e);
        }
        return ExitCode.OK;
    }
}
