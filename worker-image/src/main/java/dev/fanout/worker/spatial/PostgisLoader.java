package dev.fanout.worker.spatial;

import static dev.fanout.worker.pg.Identifiers.quote;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.pg.CopyBinaryWriter;
import dev.fanout.worker.pg.Database;
import dev.fanout.worker.pg.Identifiers;
import dev.fanout.worker.pg.TableComment;
import dev.fanout.api.results.SourceVersion;
import dev.fanout.worker.spatial.read.Feature;
import dev.fanout.worker.spatial.read.FeatureSource;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Loads one layer atomically. A staging table is created and filled by binary COPY over one or more connections at once,
 * and indexed (GiST on geom, btree on the keys, a unique index on fid) over two; then, in one transaction, its primary key
 * is made of that index, it is analysed, marked with what it holds (its comment), the old table dropped and the staging
 * table renamed in its place. Readers see the old
 * table until the commit, then the new one; a failed load drops its staging table, and a killed worker's is dropped by
 * the next attempt, so the old table stays as it was either way.
 *
 * <p>Reading, geometry preparation/encoding and COPY run as a pipeline of threads joined by small bounded queues, so memory
 * stays bounded whatever the layer's size.
 */
final class PostgisLoader {
    private static final int BATCH_FEATURES = 512;
    private static final long BATCH_COORDINATES = 250_000;
    private static final List<Feature> END = List.of();
    /** Tables of this many rows or more get their indexes built on two connections at once (see buildIndexes). */
    static final long PARALLEL_INDEX_ROWS = 20_000;

    /** loadSeconds is the pipeline's wall time; read/encode/copy are the busy times of its stages, which overlap. */
    record Result(long rows, long invalid, long empty, long bytesRead, double loadSeconds, double readBusy, double encodeBusy,
            double copyBusy, double indexSeconds, double analyzeSeconds, double swapSeconds, List<String> droppedForeignKeys) {
    }

    private final AtomicLong readNanos = new AtomicLong();
    private final AtomicLong encodeNanos = new AtomicLong();
    private final AtomicLong copyNanos = new AtomicLong();

    private final String schema;
    private final String table;
    private final int srid;
    private final ColumnPlan columns;
    private final List<String> keys;
    private final int encoders;
    private final int streams;
    private final boolean lz4;

    PostgisLoader(String schema, String table, int srid, ColumnPlan columns, List<String> keys, int encoders) {
        this(schema, table, srid, columns, keys, encoders, 1, true);
    }

    /**
     * @param streams COPY connections filling the staging table at once (the server's per-row work, geometry input and
     *     TOAST compression, then runs on as many backends)
     * @param lz4 compress the geometry column with lz4 where the server has it
     */
    PostgisLoader(String schema, String table, int srid, ColumnPlan columns, List<String> keys, int encoders, int streams, boolean lz4) {
        this.schema = schema;
        this.table = table;
        this.srid = srid;
        this.columns = columns;
        this.keys = keys;
        this.encoders = Math.max(1, encoders);
        this.streams = Math.max(1, streams);
        this.lz4 = lz4;
    }

    static String stagingName(String table) {
        String s = "_fanout_stage_" + table;
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    private static String indexName(String table, String suffix) {
        String base = table.length() + suffix.length() + 1 > 63 ? table.substring(0, 62 - suffix.length()) : table;
        return base + "_" + suffix;
    }

    /**
     * Loads into a staging table over {@code streams} COPY connections at once, then indexes and analyzes it, marks it with
     * what it holds ({@code version}, given the rows), and swaps it in, in one transaction. The first connection is the one
     * {@code connection} gives (one opened while the source was fetched: {@link Database.Ahead#get}); closed here.
     */
    Result load(java.util.function.Supplier<Connection> connection, FeatureSource source, Reprojection reprojection,
            java.util.function.LongFunction<SourceVersion> version) throws Exception {
        String stage = stagingName(table);
        String stageQ = Identifiers.qualified(schema, stage);
        String targetQ = Identifiers.qualified(schema, table);
        String geomType = source.family().multiType + (source.hasZ() ? "Z" : "");
        List<Connection> extra = new ArrayList<>();
        try (Connection c = connection.get()) {
            Database.createSchema(c, schema);
            createStage(c, stageQ, geomType);
            boolean loaded = false;
            try {
                for (int i = 1; i < streams; i++) {
                    extra.add(Database.connect());
                }
                long t0 = System.nanoTime();
                Counts counts = copy(c, extra, stageQ, source, reprojection);
                long t1 = System.nanoTime();
                if (extra.isEmpty() && counts.rows >= PARALLEL_INDEX_ROWS) {
                    extra.add(Database.connect());
                }
                buildIndexes(c, extra.isEmpty() ? null : extra.get(0), stage, stageQ);
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL synchronous_commit = off");
                    st.execute("ALTER TABLE " + stageQ + " ADD CONSTRAINT " + quote(indexName(stage, "pkey")) + " PRIMARY KEY USING INDEX "
                            + quote(indexName(stage, "pkey")));
                }
                long t2 = System.nanoTime();
                try (Statement st = c.createStatement()) {
                    st.execute("ANALYZE " + stageQ);
                }
                TableComment.write(c, stageQ, version.apply(counts.rows));
                long t3 = System.nanoTime();
                List<String> droppedFks = swap(c, stage, stageQ, targetQ);
                c.commit();
                loaded = true;
                long t4 = System.nanoTime();
                return new Result(counts.rows, counts.invalid, counts.empty, source.bytesRead(), sec(t1 - t0), sec(readNanos.get()),
                        sec(encodeNanos.get()), sec(copyNanos.get()), sec(t2 - t1), sec(t3 - t2), sec(t4 - t3), droppedFks);
            } finally {
                for (Connection x : extra) {
                    x.close();
                }
                if (!loaded) {
                    dropStage(c, stageQ);
                }
            }
        } catch (SQLException e) {
            throw Database.classify("loading " + schema + "." + table + " failed", e);
        }
    }

    /**
     * The staging table's indexes. From {@value #PARALLEL_INDEX_ROWS} rows on, built on two connections at once (CREATE
     * INDEX takes a SHARE lock, which does not conflict with itself): the GiST index on one, the unique index of the
     * primary key and the keys' btrees on the other; the server's index builds were serial work after the COPY with a
     * core left idle. Smaller tables take them one after the other on the one connection: a second connection's SCRAM
     * handshake (4,096 rounds of HMAC-SHA-256, slow in a short JVM) would cost more than it saves. The staging table is
     * the worker's own until the swap, so its indexes need not be built in the swap's transaction.
     *
     * @param btrees the second connection, or null
     */
    private void buildIndexes(Connection gist, Connection btrees, String stage, String stageQ) throws Exception {
        List<String> btreeIndexes = new ArrayList<>();
        btreeIndexes.add("CREATE UNIQUE INDEX " + quote(indexName(stage, "pkey")) + " ON " + stageQ + " (" + quote(ColumnPlan.FID) + ")");
        for (String k : keys) {
            btreeIndexes.add("CREATE INDEX " + quote(indexName(stage, k + "_idx")) + " ON " + stageQ + " (" + quote(k) + ")");
        }
        String gistIndex = "CREATE INDEX " + quote(indexName(stage, "geom_gist")) + " ON " + stageQ + " USING gist (" + quote(ColumnPlan.GEOM) + ")";
        if (btrees == null) {
            btreeIndexes.add(gistIndex);
            execute(gist, btreeIndexes);
            return;
        }
        java.util.concurrent.CompletableFuture<Void> other = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                execute(btrees, btreeIndexes);
            } catch (SQLException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, runnable -> Thread.ofPlatform().name("index").start(runnable));
        try {
            execute(gist, List.of(gistIndex));
        } catch (SQLException e) {
            btrees.unwrap(PGConnection.class).cancelQuery();
            other.exceptionally(x -> null).join();
            throw e;
        }
        try {
            other.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof SQLException s ? s : e;
        }
    }

    private static void execute(Connection c, List<String> statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET maintenance_work_mem = '256MB'");
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /**
     * The staging table, committed so that several connections can COPY into it (a killed worker leaves it behind; the
     * next attempt drops it). Its geometry column compresses with lz4 where the server has it (PostgreSQL 14+ built with
     * lz4): TOAST compression of large geometries is most of the server's work in a COPY, and pglz, the default, is several
     * times slower than lz4.
     */
    private void createStage(Connection c, String stageQ, String geomType) throws SQLException {
        StringBuilder cols = new StringBuilder();
        for (ColumnPlan.Target t : columns.targets()) {
            cols.append(", ").append(quote(t.column())).append(' ').append(t.type().sql);
        }
        String head = "CREATE TABLE " + stageQ + " (" + quote(ColumnPlan.FID) + " bigint NOT NULL, " + quote(ColumnPlan.GEOM) + " geometry("
                + geomType + ", " + srid + ")";
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + stageQ);
            if (lz4) {
                try {
                    st.execute(head + " COMPRESSION lz4" + cols + ")");
                    return;
                } catch (SQLException e) {
                    // 0A000: this server lacks lz4; 42601: older than PostgreSQL 14. The default compression then.
                    if (!"0A000".equals(e.getSQLState()) && !"42601".equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
            st.execute(head + cols + ")");
        }
    }

    private static void dropStage(Connection c, String stageQ) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + stageQ);
            }
        } catch (SQLException ignored) {
            // best effort: the next attempt drops it anyway
        }
    }

    /**
     * The same pipeline (read, reproject, check validity, encode COPY rows) into a sink that only counts: no database is
     * touched. For checking a source before a load, and for the JVM training run that builds the image's AOT cache.
     */
    Result dryRun(FeatureSource source, Reprojection reprojection) throws Exception {
        long t0 = System.nanoTime();
        long[] bytes = new long[1];
        Counts counts = pipeline(source, reprojection, List.of(new Sink() {
            @Override
            public void write(byte[] chunk) {
                bytes[0] += chunk.length;
            }

            @Override
            public long finish() {
                return nextFid.get();
            }
        }));
        return new Result(counts.rows, counts.invalid, counts.empty, source.bytesRead(), sec(System.nanoTime() - t0),
                sec(readNanos.get()), sec(encodeNanos.get()), sec(copyNanos.get()), 0, 0, 0, List.of());
    }

    /** Where encoded COPY rows go: the COPY stream of a load, or a counter. */
    private interface Sink {
        void write(byte[] chunk) throws SQLException;

        /** Ends the data; returns the rows taken. */
        long finish() throws SQLException;

        default void abort() {
        }
    }

    /** Drops the old table (and foreign keys into it, which the link step re-creates) and renames the staging table. */
    private List<String> swap(Connection c, String stage, String stageQ, String targetQ) throws SQLException {
        List<String> dropped = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE " + stageQ + " IN ACCESS EXCLUSIVE MODE");
            try (PreparedStatement ps = c.prepareStatement("SELECT con.conrelid::regclass::text, con.conname FROM pg_constraint con "
                    + "WHERE con.contype = 'f' AND con.confrelid = to_regclass(?)")) {
                ps.setString(1, targetQ);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        dropped.add(rs.getString(1) + "." + rs.getString(2));
                        st.addBatch("ALTER TABLE " + rs.getString(1) + " DROP CONSTRAINT " + quote(rs.getString(2)));
                    }
                }
            }
            st.executeBatch();
            try {
                st.execute("DROP TABLE IF EXISTS " + targetQ);
            } catch (SQLException e) {
                if ("2BP01".equals(e.getSQLState())) {
                    throw WorkerException.badInput("cannot replace " + targetQ + ": other objects depend on it (" + e.getMessage()
                            + "); drop or re-create those views after the load", e);
                }
                throw e;
            }
            st.execute("ALTER TABLE " + stageQ + " RENAME TO " + quote(table));
            for (String suffix : withKeys("pkey", "geom_gist")) {
                st.execute("ALTER INDEX " + Identifiers.qualified(schema, indexName(stage, suffix)) + " RENAME TO "
                        + quote(indexName(table, suffix)));
            }
        }
        return dropped;
    }

    private List<String> withKeys(String... fixed) {
        List<String> all = new ArrayList<>(List.of(fixed));
        keys.forEach(k -> all.add(k + "_idx"));
        return all;
    }

    private static double sec(long nanos) {
        return Math.round(nanos / 1e6) / 1000.0;
    }

    private static final class Counts {
        long rows;
        long invalid;
        long empty;
    }

    /** Binary COPY into the staging table through the pipeline, one stream per connection. */
    private Counts copy(Connection first, List<Connection> more, String stageQ, FeatureSource source, Reprojection reprojection)
            throws Exception {
        List<String> cols = new ArrayList<>(List.of(quote(ColumnPlan.FID), quote(ColumnPlan.GEOM)));
        columns.targets().forEach(t -> cols.add(quote(t.column())));
        String sql = "COPY " + stageQ + " (" + String.join(", ", cols) + ") FROM STDIN (FORMAT binary)";
        List<Sink> sinks = new ArrayList<>();
        List<Connection> all = new ArrayList<>(List.of(first));
        all.addAll(more);
        for (Connection c : all) {
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
            sinks.add(new Sink() {
                @Override
                public void write(byte[] chunk) throws SQLException {
                    copy.writeToCopy(chunk, 0, chunk.length);
                }

                @Override
                public long finish() throws SQLException {
                    copy.writeToCopy(CopyBinaryWriter.TRAILER, 0, 2);
                    return copy.endCopy();
                }

                @Override
                public void abort() {
                    if (copy.isActive()) {
                        try {
                            copy.cancelCopy();
                        } catch (SQLException ignored) {
                            // the staging table is dropped anyway
                        }
                    }
                }
            });
        }
        return pipeline(source, reprojection, sinks);
    }

    /**
     * The pipeline: reader thread -> encoder threads -> one writer thread per sink (each a COPY stream of whole rows; rows
     * may land in any order, their fid says where they were in the source).
     */
    private Counts pipeline(FeatureSource source, Reprojection reprojection, List<Sink> sinks) throws Exception {
        BlockingQueue<List<Feature>> raw = new ArrayBlockingQueue<>(2 * encoders + 2);
        BlockingQueue<byte[]> encoded = new ArrayBlockingQueue<>(2 * encoders + 2 * sinks.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> producers = new ArrayList<>();
        List<GeometryPreparer> preparers = new ArrayList<>();
        producers.add(Thread.ofPlatform().name("read").start(() -> read(source, raw, failure)));
        for (int i = 0; i < encoders; i++) {
            GeometryPreparer prep = new GeometryPreparer(source.family(), i == 0 ? reprojection : reprojection.forAnotherThread());
            preparers.add(prep);
            producers.add(Thread.ofPlatform().name("encode-" + i).start(() -> encode(raw, encoded, prep, source.hasZ(), failure)));
        }
        AtomicLong rows = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < sinks.size(); i++) {
            Sink sink = sinks.get(i);
            writers.add(Thread.ofPlatform().name("copy-" + i).start(() -> write(sink, encoded, rows, failure)));
        }
        List<Thread> all = new ArrayList<>(producers);
        all.addAll(writers);
        try {
            awaitAll(producers, all, failure);
            for (int i = 0; i < writers.size() && failure.get() == null; ) { // one for each writer: no more rows
                if (encoded.offer(END_OF_ROWS, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    i++;
                }
            }
            awaitAll(writers, all, failure);
        } finally {
            for (Thread t : all) {
                t.join();
            }
        }
        Throwable cause = failure.get();
        if (cause != null) {
            sinks.forEach(Sink::abort);
            if (cause instanceof WorkerException w) {
                throw w;
            }
            if (cause instanceof SQLException s) {
                throw s;
            }
            throw new IOException(cause.getMessage(), cause);
        }
        Counts counts = new Counts();
        counts.rows = rows.get();
        for (GeometryPreparer p : preparers) {
            counts.invalid += p.invalid;
            counts.empty += p.empty;
        }
        return counts;
    }

    private static final byte[] END_OF_ROWS = new byte[0];

    /** Waits for these threads; on the first failure anywhere, interrupts every thread of the pipeline so none stays blocked. */
    private static void awaitAll(List<Thread> threads, List<Thread> all, AtomicReference<Throwable> failure) throws InterruptedException {
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(100);
                if (failure.get() != null) {
                    all.forEach(Thread::interrupt);
                    return;
                }
            }
        }
    }

    /** One COPY stream: the header, whole-row chunks until told there are no more, the trailer. */
    private void write(Sink sink, BlockingQueue<byte[]> encoded, AtomicLong rows, AtomicReference<Throwable> failure) {
        try {
            sink.write(CopyBinaryWriter.HEADER);
            byte[] chunk;
            while ((chunk = encoded.take()) != END_OF_ROWS) {
                long w = System.nanoTime();
                sink.write(chunk);
                copyNanos.addAndGet(System.nanoTime() - w);
            }
            if (failure.get() == null) {
                rows.addAndGet(sink.finish());
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private void read(FeatureSource source, BlockingQueue<List<Feature>> raw, AtomicReference<Throwable> failure) {
        try {
            List<Feature> batch = new ArrayList<>(BATCH_FEATURES);
            long coords = 0;
            Feature f;
            long r0 = System.nanoTime();
            while ((f = source.next()) != null && failure.get() == null) {
                readNanos.addAndGet(System.nanoTime() - r0);
                batch.add(f);
                coords += f.geometry() == null ? 0 : f.geometry().getNumPoints();
                if (batch.size() >= BATCH_FEATURES || coords >= BATCH_COORDINATES) {
                    raw.put(batch);
                    batch = new ArrayList<>(BATCH_FEATURES);
                    coords = 0;
                }
                r0 = System.nanoTime();
            }
            if (!batch.isEmpty()) {
                raw.put(batch);
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        } finally {
            for (int i = 0; i < encoders; i++) {
                try {
                    raw.put(END);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private final AtomicLong nextFid = new AtomicLong();

    private void encode(BlockingQueue<List<Feature>> raw, BlockingQueue<byte[]> out, GeometryPreparer prep, boolean z,
            AtomicReference<Throwable> failure) {
        CopyBinaryWriter w = new CopyBinaryWriter(1 << 20);
        List<ColumnPlan.Target> targets = columns.targets();
        int fields = 2 + targets.size();
        try {
            List<Feature> batch;
            while ((batch = raw.take()) != END) {
                if (failure.get() != null) {
                    continue; // drain so the reader can finish
                }
                long e0 = System.nanoTime();
                w.reset();
                long fid = nextFid.getAndAdd(batch.size()) + 1;
                for (Feature f : batch) {
                    w.startRow(fields);
                    w.putBigint(fid);
                    var g = prep.prepare(f.geometry(), fid);
                    if (g == null) {
                        w.putNull();
                    } else {
                        w.putGeometry(g, srid, z);
                    }
                    Object[] v = f.values();
                    for (ColumnPlan.Target t : targets) {
                        putValue(w, v[t.sourceIndex()], t);
                    }
                    fid++;
                }
                byte[] bytes = w.toByteArray();
                encodeNanos.addAndGet(System.nanoTime() - e0);
                out.put(bytes);
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void putValue(CopyBinaryWriter w, Object v, ColumnPlan.Target t) {
        if (v == null) {
            w.putNull();
            return;
        }
        switch (t.type()) {
            case TEXT -> w.putText(v.toString());
            case INTEGER -> w.putInteger(((Number) v).intValue());
            case BIGINT -> w.putBigint(((Number) v).longValue());
            case DOUBLE -> w.putDouble(((Number) v).doubleValue());
            case NUMERIC -> w.putNumeric(v instanceof BigDecimal b ? b : new BigDecimal(v.toString()));
            case BOOLEAN -> w.putBoolean((Boolean) v);
            case DATE -> w.putDate((LocalDate) v);
            case TIMESTAMPTZ -> w.putTimestamptz((Instant) v);
            case JSONB -> w.putJsonb(v.toString());
            case BYTEA -> w.putBytes((byte[]) v);
        }
    }
}
