package dev.fanout.worker.energy.idf;

import java.util.ArrayList;
import java.util.List;

/**
 * One IDF object: its class name and fields, and the exact text it was read from. An object that is not changed is
 * written back byte for byte; a changed field replaces only the value's characters, keeping the whitespace and the
 * IDF Editor's "!- Field" comments around it.
 */
public final class IdfObject {
    /** One field: the raw text between two separators, and where the value sits in it. */
    static final class Field {
        String raw;
        int valueStart;
        int valueEnd;

        Field(String raw, int valueStart, int valueEnd) {
            this.raw = raw;
            this.valueStart = valueStart;
            this.valueEnd = valueEnd;
        }

        String value() {
            return raw.substring(valueStart, valueEnd);
        }

        void value(String v) {
            raw = raw.substring(0, valueStart) + v + raw.substring(valueEnd);
            valueEnd = valueStart + v.length();
        }
    }

    /** Text before the class name (comments, blank lines), kept as it was. */
    final String leading;
    /** fields.get(0) is the class name. */
    final List<Field> fields;

    IdfObject(String leading, List<Field> fields) {
        this.leading = leading;
        this.fields = fields;
    }

    /** A new object, written in the IDF Editor's layout. */
    public static IdfObject of(String className, List<String> values) {
        List<Field> fs = new ArrayList<>();
        fs.add(new Field("\n" + className, 1, 1 + className.length()));
        for (String v : values) {
            fs.add(new Field("\n    " + v, 5, 5 + v.length()));
        }
        return new IdfObject("\n", fs);
    }

    public String className() {
        return fields.get(0).value();
    }

    /** The object's name: its first field, or "" for unnamed objects such as Version. */
    public String name() {
        return fields.size() > 1 ? field(1) : "";
    }

    /** Field {@code i} (1-based as in the IDD: field 1 is the name), "" when absent. */
    public String field(int i) {
        return i < fields.size() ? fields.get(i).value() : "";
    }

    public int fieldCount() {
        return fields.size() - 1;
    }

    /** Sets field {@code i} (1-based), appending empty fields up to it when needed. */
    public void field(int i, String value) {
        while (fields.size() <= i) {
            fields.add(new Field("\n    ", 5, 5));
        }
        fields.get(i).value(value);
    }

    /** Drops fields after {@code count} (a Construction with fewer layers). */
    public void truncate(int count) {
        while (fields.size() > count + 1) {
            fields.remove(fields.size() - 1);
        }
    }

    String text() {
        StringBuilder sb = new StringBuilder(leading);
        for (int i = 0; i < fields.size(); i++) {
            sb.append(fields.get(i).raw).append(i == fields.size() - 1 ? ';' : ',');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return className() + " " + name();
    }
}
