package dev.fanout.worker.pg;

import dev.fanout.worker.WorkerException;
import java.util.Locale;
import java.util.regex.Pattern;

/** SQL identifiers: names we are given are validated, names we derive are laundered, every name is quoted in SQL. */
public final class Identifiers {
    /** What a user may name a schema, table or column: a plain PostgreSQL identifier, at most 63 bytes. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private Identifiers() {
    }

    /** @throws WorkerException bad input when {@code name} is not a plain identifier; {@code what} names the option. */
    public static String validate(String what, String name) {
        if (name == null || !PLAIN.matcher(name).matches()) {
            throw WorkerException.badInput(what + " '" + name + "' is not a valid identifier: use letters, digits and _, "
                    + "starting with a letter or _, at most 63 characters");
        }
        return name;
    }

    /** Double-quotes an identifier for SQL. */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    public static String qualified(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }

    /** A source field name made into a column name the way ogr2ogr's LAUNDER does: lower case, [a-z0-9_], at most 63. */
    public static String launder(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
            s = "_" + s;
        }
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    /** A string literal for SQL (for the few places where a value cannot be a bind parameter). */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
