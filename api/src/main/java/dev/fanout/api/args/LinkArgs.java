package dev.fanout.api.args;

import dev.fanout.api.WorkerContract;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code fanout-worker spatial link}: foreign keys between loaded layers over their string keys. */
public record LinkArgs(String schema, List<Link> links) {
    public static final List<String> COMMAND = List.of("spatial", "link");
    public static final String LINK = "--link";

    /**
     * One link, written {@code child_table.child_column=parent_table.parent_column[:fk_column]}; the foreign key column
     * defaults to {@code <parent_table>_fid}.
     */
    public record Link(String childTable, String childColumn, String parentTable, String parentColumn, String fkColumn) {
        private static final Pattern FORM = Pattern.compile("([^.:=]+)\\.([^.:=]+)=([^.:=]+)\\.([^.:=]+)(?::([^.:=]+))?");
        public static final String SYNTAX = "child_table.child_column=parent_table.parent_column[:fk_column]";

        public String fkColumnOrDefault() {
            return fkColumn != null ? fkColumn : parentTable + "_fid";
        }

        @Override
        public String toString() {
            return childTable + "." + childColumn + "=" + parentTable + "." + parentColumn + (fkColumn == null ? "" : ":" + fkColumn);
        }

        /** IllegalArgumentException naming the syntax when {@code s} does not follow it. */
        public static Link parse(String s) {
            Matcher m = FORM.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + s + "' must read " + SYNTAX);
            }
            return new Link(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5));
        }
    }

    public List<String> toArgs() {
        return new ArgList(COMMAND).add(Flags.SCHEMA, schema).add(Flags.RESULT, WorkerContract.RESULT_FILE).repeated(LINK, links).list();
    }
}
