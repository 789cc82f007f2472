package dev.fanout.worker.pg;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.results.SourceVersion;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What a loaded table holds, kept with the table itself as its comment ({@code {"fanout": <SourceVersion>}}): it goes
 * with the table through the swap, survives the operator and its resources, and any SQL client can read it
 * ({@code obj_description('schema.table'::regclass)}).
 */
public final class TableComment {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String KEY = "fanout";

    private TableComment() {
    }

    /** Sets the comment of a table (qualified and quoted already). */
    public static void write(Connection c, String qualifiedTable, SourceVersion version) throws SQLException {
        String json;
        try {
            json = JSON.writeValueAsString(java.util.Map.of(KEY, version));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try (Statement st = c.createStatement()) {
            // COMMENT takes no parameters: a literal, quotes doubled (standard_conforming_strings is on since 9.1).
            st.execute("COMMENT ON TABLE " + qualifiedTable + " IS '" + json.replace("'", "''") + "'");
        }
    }

    /** What the table holds, or null when it does not exist or was not loaded by Fanout (no readable comment). */
    public static SourceVersion read(Connection c, String qualifiedTable) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT obj_description(to_regclass(?), 'pg_class')")) {
            ps.setString(1, qualifiedTable);
            try (ResultSet rs = ps.executeQuery()) {
                String text = rs.next() ? rs.getString(1) : null;
                if (text == null) {
                    return null;
                }
                JsonNode node = JSON.readTree(text).get(KEY);
                return node == null ? null : JSON.treeToValue(node, SourceVersion.class);
            }
        } catch (IOException e) {
            return null; // a comment someone else wrote
        }
    }
}
