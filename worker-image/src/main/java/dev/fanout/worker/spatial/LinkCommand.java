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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The aggregate step of a spatial load: layers loaded in parallel on string keys get their foreign keys. Per link, in one
 * transaction: add the FK column, fill it with one set-based UPDATE (only rows whose value changes are written, so a
 * second run writes nothing), (re)create the constraint and its index, count orphans; then ANALYZE.
 * <p>
 * Links that share no table run at once, each on a connection of its own ({@link #rounds}): the UPDATE of a large child is
 * one backend's work, and a chain of levels (GADM's five links) was five of them one after another. Links that share a
 * table would wait on each other's locks (a link's ALTER TABLE locks its child, its foreign key its parent too), so they
 * go in later rounds.
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

    /** At most this many links at once (connections, and backends busy on the server). */
    static final int MAX_AT_ONCE = 4;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        Identifiers.validate("--schema", schema);
        List<Link> parsed = links.stream().map(LinkCommand::parse).toList();
        LinkResult.Link[] reports = new LinkResult.Link[parsed.size()];
        List<List<Integer>> rounds = rounds(parsed, MAX_AT_ONCE);
        int width = rounds.stream().mapToInt(List::size).max().orElse(1);
        List<Database.Ahead> opening = new ArrayList<>();
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < width; i++) {
                opening.add(Database.Ahead.open()); // as many as the widest round needs, all at once
            }
            for (Database.Ahead connection : opening) {
                open.add(connection.get());
            }
            for (List<Integer> round : rounds) {
                runRound(parsed, round, open, reports);
            }
        } catch (SQLException e) {
            throw Database.classify("linking failed", e);
        } finally {
            opening.forEach(Database.Ahead::close); // the ones never taken (another failed first)
            for (Connection c : open) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // every link's transaction has ended: nothing of ours is lost with the connection
                }
            }
        }
        ResultFile.write(result, new LinkResult("link", List.of(reports), Math.round((System.nanoTime() - t0) / 1e6) / 1000.0));
        return ExitCode.OK;
    }

    /**
     * The links in rounds, by index in their given order: a link joins the first round where neither its child nor its
     * parent table is in use yet and that has room, else starts a new one. GADM's chain 1->0, 2->1, 3->2, 4->3, 5->4 goes in
     * two: {1->0, 3->2, 5->4} and {2->1, 4->3}.
     */
    static List<List<Integer>> rounds(List<Link> links, int maxAtOnce) {
        List<List<Integer>> rounds = new ArrayList<>();
        List<Set<String>> tables = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            Link l = links.get(i);
            int r = 0;
            while (r < rounds.size() && (rounds.get(r).size() >= maxAtOnce || tables.get(r).contains(l.child())
                    || tables.get(r).contains(l.parent()))) {
                r++;
            }
            if (r == rounds.size()) {
                rounds.add(new ArrayList<>());
                tables.add(new HashSet<>());
            }
            rounds.get(r).add(i);
            tables.get(r).add(l.child());
            tables.get(r).add(l.parent());
        }
        return rounds;
    }

    /**
     * One round: each link in a transaction of its own, on its own connection of {@code open}, all at once. A link that
     * fails leaves the others of its round to finish (each commits or rolls back alone, as links one after another did);
     * then the first failure in link order is thrown and no later round runs.
     */
    private void runRound(List<Link> links, List<Integer> round, List<Connection> open, LinkResult.Link[] reports) throws SQLException {
        if (round.size() == 1) {
            linkAndCommit(open.get(0), links, round.get(0), reports);
            return;
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int k = 0; k < round.size(); k++) {
            int index = round.get(k);
            Connection c = open.get(k);
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    linkAndCommit(c, links, index, reports);
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            }, task -> Thread.ofPlatform().name("link-" + index).start(task)));
        }
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        for (var f : running) {
            try {
                f.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof SQLException x) {
                    throw x;
                }
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
    }

    /** Link {@code index} in one transaction on {@code c}, its report into {@code reports}; rolled back if it fails. */
    private void linkAndCommit(Connection c, List<Link> links, int index, LinkResult.Link[] reports) throws SQLException {
        c.setAutoCommit(false);
        try {
            reports[index] = link(c, links.get(index));
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // a broken connection: the server rolls the transaction back itself
            }
            throw e;
        }
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
            boolean fresh = !hasColumn(c, l.child(), l.fkColumn());
            st.execute("ALTER TABLE " + child + " ADD COLUMN IF NOT EXISTS " + fk + " bigint");
            st.execute("ALTER TABLE " + child + " DROP CONSTRAINT IF EXISTS " + constraint);
            // A new column is written in every row: its indexes are dropped and built again after, not updated row by row.
            List<String> rebuild = fresh && rows(c, l.child()) >= REBUILD_INDEXES_ROWS ? dropPlainIndexes(c, l.child()) : List.of();
            // One set-based UPDATE: each child row gets the parent with its key (the lowest fid if the key repeats) or NULL.
            updated = st.executeUpdate("UPDATE " + child + " AS c SET " + fk + " = m.parent_fid FROM ("
                    + "SELECT DISTINCT ON (ch." + fid + ") ch." + fid + " AS child_fid, p." + fid + " AS parent_fid FROM " + child
                    + " ch LEFT JOIN " + parent + " p ON p." + pk + " = ch." + ck + " ORDER BY ch." + fid + ", p." + fid
                    + ") m WHERE c." + fid + " = m.child_fid AND c." + fk + " IS DISTINCT FROM m.parent_fid");
            if (!rebuild.isEmpty()) {
                st.execute("SET LOCAL maintenance_work_mem = '256MB'");
                for (String definition : rebuild) {
                    st.execute(definition);
                }
            }
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

    /**
     * From this many rows on, a link that writes its FK column into every row (the column is new: a first link, or the
     * child was loaded again) drops the child's indexes that no constraint uses (the GiST, the key btrees) for the UPDATE
     * and builds them again after it, in the same transaction, which holds the child locked throughout: the UPDATE writes a
     * new version of every row, and inserting each into a GiST index cost more than building the index again (GADM's
     * ADM_4, 153,410 rows: the UPDATE took 3.9 s with its four indexes, 2.4 s without the GiST, which then builds in 0.6 s).
     * The primary key stays (other tables' foreign keys use it).
     */
    static final long REBUILD_INDEXES_ROWS = 10_000;

    private boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = ? "
                + "AND NOT attisdropped")) {
            ps.setString(1, Identifiers.qualified(schema, table));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The planner's row count of a table (the loader analyses what it loads). */
    private long rows(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
            ps.setString(1, Identifiers.qualified(schema, table));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Drops the table's indexes that no constraint uses; returns their definitions, to build them again. */
    private List<String> dropPlainIndexes(Connection c, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        List<String> definitions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                + "WHERE i.indrelid = to_regclass(?) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                + "ORDER BY 1")) {
            ps.setString(1, Identifiers.qualified(schema, table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    definitions.add(rs.getString(2));
                }
            }
        }
        try (Statement st = c.createStatement()) {
            for (String name : names) {
                st.execute("DROP INDEX " + name); // regclass's text: schema-qualified and quoted as needed
            }
        }
        return definitions;
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
