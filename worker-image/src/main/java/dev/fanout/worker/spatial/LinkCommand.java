package dev.fanout.worker.spatial;

import static dev.fanout.worker.pg.Identifiers.quote;

import dev.fanout.api.ExitCode;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.Flags;
import dev.fanout.api.args.LinkArgs;
import dev.fanout.api.results.LinkResult;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The aggregate step of a spatial load: layers loaded in parallel on string keys get their foreign keys. Per link, in one
 * transaction: add the FK column, fill it with one set-based UPDATE (only rows whose value changes are written, so a
 * second run writes nothing), (re)create the constraint and its index, count orphans; then ANALYZE.
 */
@Command(name = "link", mixinStandardHelpOptions = true,
        description = "Add and fill foreign keys between loaded layers over their string keys. Safe to run twice.")
public class LinkCommand implements Callable<Integer> {
    private static final int MAX_ORPHAN_KEYS = 10;

    @Option(names = Flags.SCHEMA, defaultValue = "public", description = "schema of the tables (default public)")
    String schema;
    @Option(names = LinkArgs.LINK, required = true,
            description = LinkArgs.Link.SYNTAX + " (repeatable); fk_column defaults to <parent_table>_fid")
    List<String> links;
    @Option(names = Flags.RESULT, defaultValue = WorkerContract.RESULT_FILE, description = "where the result JSON goes")
    Path result;

    record Link(String child, String childColumn, String parent, String parentColumn, String fkColumn) {
    }

    static Link parse(String s) {
        LinkArgs.Link l;
        try {
            l = LinkArgs.Link.parse(s);
        } catch (IllegalArgumentException e) {
            throw WorkerException.badInput("--link " + e.getMessage());
        }
        String fk = l.fkColumnOrDefault();
        return new Link(Identifiers.validate("--link child table", l.childTable()), Identifiers.validate("--link child column", l.childColumn()),
                Identifiers.validate("--link parent table", l.parentTable()), Identifiers.validate("--link parent column", l.parentColumn()),
                Identifiers.validate("--link FK column", fk.length() > 63 ? fk.substring(0, 63) : fk));
    }

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        Identifiers.validate("--schema", schema);
        List<Link> parsed = links.stream().map(LinkCommand::parse).toList();
        List<LinkResult.Link> reports = new ArrayList<>();
        try (Connection c = Database.connect()) {
            c.setAutoCommit(false);
            for (Link l : parsed) {
                reports.add(link(c, l));
                c.commit();
            }
        } catch (SQLException e) {
            throw Database.classify("linking failed", e);
        }
        ResultFile.write(result, new LinkResult("link", reports, Math.round((System.nanoTime() - t0) / 1e6) / 1000.0));
        return ExitCode.OK;
    }

    private LinkResult.Link link(Connection c, Link l) throws SQLException {
        String child = Identifiers.qualified(schema, l.child());
        String parent = Identifiers.qualified(schema, l.parent());
        String ck = quote(column(c, l.child(), l.childColumn(), "child column"));
        String pk = quote(column(c, l.parent(), l.parentColumn(), "parent column"));
        String fk = quote(l.fkColumn());
        String fid = quote(ColumnPlan.FID);
        String constraint = quote(cut(l.child() + "_" + l.fkColumn() + "_fkey"));
        String index = quote(cut(l.child() + "_" + l.fkColumn() + "_idx"));
        long updated;
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + child + " ADD COLUMN IF NOT EXISTS " + fk + " bigint");
            st.execute("ALTER TABLE " + child + " DROP CONSTRAINT IF EXISTS " + constraint);
            // One set-based UPDATE: each child row gets the parent with its key (the lowest fid if the key repeats) or NULL.
            updated = st.executeUpdate("UPDATE " + child + " AS c SET " + fk + " = m.parent_fid FROM ("
                    + "SELECT DISTINCT ON (ch." + fid + ") ch." + fid + " AS child_fid, p." + fid + " AS parent_fid FROM " + child
                    + " ch LEFT JOIN " + parent + " p ON p." + pk + " = ch." + ck + " ORDER BY ch." + fid + ", p." + fid
                    + ") m WHERE c." + fid + " = m.child_fid AND c." + fk + " IS DISTINCT FROM m.parent_fid");
            st.execute("ALTER TABLE " + child + " ADD CONSTRAINT " + constraint + " FOREIGN KEY (" + fk + ") REFERENCES "
                    + parent + " (" + fid + ")");
            st.execute("CREATE INDEX IF NOT EXISTS " + index + " ON " + child + " (" + fk + ")");
            st.execute("ANALYZE " + child);
        }
        long linked;
        long orphans;
        long duplicates;
        List<String> orphanKeys = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE " + fk + " IS NOT NULL), count(*) FILTER (WHERE "
                    + fk + " IS NULL) FROM " + child)) {
                rs.next();
                linked = rs.getLong(1);
                orphans = rs.getLong(2);
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT " + pk + " FROM " + parent + " WHERE " + pk
                    + " IS NOT NULL GROUP BY " + pk + " HAVING count(*) > 1) d")) {
                rs.next();
                duplicates = rs.getLong(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT DISTINCT " + ck + "::text FROM " + child + " WHERE " + fk + " IS NULL ORDER BY 1 LIMIT "
                    + MAX_ORPHAN_KEYS)) {
                while (rs.next()) {
                    orphanKeys.add(rs.getString(1));
                }
            }
        }
        return new LinkResult.Link(schema + "." + l.child(), unquote(ck), schema + "." + l.parent(), unquote(pk), l.fkColumn(), linked,
                orphans, duplicates, orphanKeys, updated);
    }

    /** The table's column for a name given case-insensitively (layers are loaded with laundered, lower-case names). */
    private String column(Connection c, String table, String name, String what) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) "
                + "AND attnum > 0 AND NOT attisdropped AND (attname = ? OR lower(attname) = lower(?)) ORDER BY attname = ? DESC LIMIT 1")) {
            ps.setString(1, Identifiers.qualified(schema, table));
            ps.setString(2, name);
            ps.setString(3, name);
            ps.setString(4, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getString(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, Identifiers.qualified(schema, table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw WorkerException.badInput("table " + schema + "." + table + " does not exist: load it before linking");
                }
            }
        }
        throw WorkerException.badInput(what + " '" + name + "' does not exist in " + schema + "." + table);
    }

    private static String cut(String s) {
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    private static String unquote(String q) {
        return q.substring(1, q.length() - 1).replace("\"\"", "\"");
    }
}
