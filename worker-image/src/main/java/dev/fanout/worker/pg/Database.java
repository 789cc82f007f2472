package dev.fanout.worker.pg;

import dev.fanout.api.WorkerContract;
import dev.fanout.api.ExitCode;
import dev.fanout.worker.WorkerException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** Connections from FANOUT_DB_URL / FANOUT_DB_USER / FANOUT_DB_PASSWORD, with failures sorted into the exit-code contract. */
public final class Database {
    private Database() {
    }

    public static Connection connect() {
        String url = System.getenv(WorkerContract.ENV_DB_URL);
        if (url == null || url.isBlank()) {
            throw WorkerException.badInput("FANOUT_DB_URL is not set: give the JDBC URL of the target database "
                    + "(jdbc:postgresql://host:port/db) through the Secret the resource references");
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw WorkerException.badInput("FANOUT_DB_URL must be a jdbc:postgresql: URL, got '" + url.replaceAll("password=[^&]*", "password=***") + "'");
        }
        Properties p = new Properties();
        if (System.getenv(WorkerContract.ENV_DB_USER) != null) {
            p.setProperty("user", System.getenv(WorkerContract.ENV_DB_USER));
        }
        if (System.getenv(WorkerContract.ENV_DB_PASSWORD) != null) {
            p.setProperty("password", System.getenv(WorkerContract.ENV_DB_PASSWORD));
        }
        p.setProperty("ApplicationName", "fanout-worker");
        p.setProperty("connectTimeout", "20");
        p.setProperty("tcpKeepAlive", "true");
        try {
            return DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw classify("cannot connect to the database", e);
        }
    }

    /**
     * A connection opened on a thread of its own while the caller does other work first (downloading or opening the
     * source): a worker's first connection costs 0.1-0.15 s (pgjdbc's classes, the SCRAM exchange), which was on the
     * critical path of every load. The first {@link #get} gives it as {@link #connect} would, failures included; later ones
     * connect anew. {@link #close} closes it when it was never taken.
     */
    public static final class Ahead implements Supplier<Connection>, AutoCloseable {
        private final CompletableFuture<Connection> opening;
        private boolean taken;

        private Ahead(CompletableFuture<Connection> opening) {
            this.opening = opening;
        }

        public static Ahead open() {
            return new Ahead(CompletableFuture.supplyAsync(Database::connect,
                    task -> Thread.ofPlatform().name("connect").daemon().start(task)));
        }

        /** A connection, now the caller's to close: the one opened ahead, then new ones; throws what {@link #connect} throws. */
        @Override
        public Connection get() {
            if (taken) {
                return connect();
            }
            taken = true;
            try {
                return opening.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        }

        @Override
        public void close() {
            if (!taken) {
                opening.thenAccept(c -> {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // a connection never used: nothing of ours to lose
                    }
                });
            }
        }
    }

    /**
     * CREATE SCHEMA IF NOT EXISTS that tolerates a race: tasks of one resource run in parallel, and when two create the
     * schema at once one of them sees a unique violation, which is fine.
     */
    public static void createSchema(Connection c, String schema) throws SQLException {
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(schema));
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42P06".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** SQL states that name something in the user's spec: a privilege, a reserved or missing object. */
    private static final java.util.Set<String> BAD_INPUT_STATES = java.util.Set.of(
            "42501", // insufficient privilege (e.g. a schema the user may not create in)
            "42939", // reserved name (schemas starting with pg_)
            "3D000", // the database does not exist
            "3F000", // the schema does not exist
            "42P01", // an undefined table (a link to a layer loaded elsewhere)
            "42703"); // an undefined column (a link key)

    /**
     * Connection trouble and serialization/deadlock failures may pass (exit 3); wrong credentials, missing databases,
     * reserved or missing objects and privileges will not (exit 2); anything else is a crash. The message is
     * PostgreSQL's first line (with its detail, which names the object), on one line.
     */
    public static WorkerException classify(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String msg = what + ": " + String.valueOf(e.getMessage()).replaceAll("\\s*\\n\\s*", "; ")
                + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")");
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P03") || state.equals("40001")
                || state.equals("40P01") || state.equals("53300")) {
            return WorkerException.transientFailure(msg, e);
        }
        if (state.startsWith("28") || BAD_INPUT_STATES.contains(state)) {
            return WorkerException.badInput(msg, e);
        }
        return new WorkerException(dev.fanout.api.ExitCode.CRASH, msg, e);
    }
}
