package dev.fanout.worker;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** The test bed's PostGIS (dev/postgis.sh up; dev/test.sh exports its FANOUT_DB_* variables). */
public final class TestDatabase {
    private TestDatabase() {
    }

    public static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set: these tests need the test bed's PostGIS; run ./dev/test.sh "
                    + "(or dev/postgis.sh up and eval \"$(dev/postgis.sh env)\")");
        }
        return v;
    }

    /** A test class's schema, empty: what an earlier run left is dropped. */
    public static void freshSchema(String schema) throws SQLException {
        try (Connection c = connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("CREATE SCHEMA " + schema);
        }
    }

    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(env("FANOUT_DB_URL"), env("FANOUT_DB_USER"), env("FANOUT_DB_PASSWORD"));
    }
}
