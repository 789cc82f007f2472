package dev.fanout.worker.energy.idf;

import dev.fanout.worker.WorkerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A small IDF reader/writer of our own (no maintained Java library exists): objects of comma-separated fields ended by a
 * semicolon, "!" comments to the end of the line. What is not changed is written back byte for byte; class and object
 * names are matched case-insensitively, as EnergyPlus does.
 */
public final class IdfFile {
    private final List<IdfObject> objects;
    private final String trailer;

    private IdfFile(List<IdfObject> objects, String trailer) {
        this.objects = objects;
        this.trailer = trailer;
    }

    public static IdfFile parse(String text) {
        List<IdfObject> objects = new ArrayList<>();
        int pos = 0;
        int n = text.length();
        int objectStart = 0;
        List<IdfObject.Field> fields = new ArrayList<>();
        int fieldStart = 0;
        String leading = null;
        while (pos < n) {
            char c = text.charAt(pos);
            if (c == '!') {
                while (pos < n && text.charAt(pos) != '\n') {
                    pos++;
                }
                continue;
            }
            if (c == ',' || c == ';') {
                String raw = text.substring(fieldStart, pos);
                if (fields.isEmpty()) {
                    // The class name: text before it (comments, blank lines) is the object's leading text.
                    int[] span = valueSpan(raw);
                    leading = raw.substring(0, lineStart(raw, span[0]));
                    raw = raw.substring(leading.length());
                }
                int[] span = valueSpan(raw);
                fields.add(new IdfObject.Field(raw, span[0], span[1]));
                fieldStart = pos + 1;
                if (c == ';') {
                    objects.add(new IdfObject(leading, fields));
                    fields = new ArrayList<>();
                    objectStart = pos + 1;
                }
            }
            pos++;
        }
        String rest = text.substring(objectStart);
        if (!fields.isEmpty() || !valueOf(rest).isEmpty()) {
            throw WorkerException.badInput("the IDF ends inside an object (a ';' is missing) near: "
                    + valueOf(rest).substring(0, Math.min(60, valueOf(rest).length())));
        }
        return new IdfFile(objects, rest);
    }

    /** Where the value sits in a field's raw text: the non-comment characters, trimmed. */
    private static int[] valueSpan(String raw) {
        int start = -1;
        int end = -1;
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '!') {
                while (i < raw.length() && raw.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (!Character.isWhitespace(c)) {
                if (start < 0) {
                    start = i;
                }
                end = i + 1;
            }
            i++;
        }
        if (start < 0) {
            // An empty field: the value goes where the comments end (before a trailing line break and indentation).
            int at = raw.length();
            return new int[] {at, at};
        }
        return new int[] {start, end};
    }

    /** The start of the line holding {@code index}, so indentation stays with the class name, comments with the leading text. */
    private static int lineStart(String raw, int index) {
        int nl = raw.lastIndexOf('\n', index - 1);
        return nl < 0 ? 0 : nl + 1;
    }

    private static String valueOf(String raw) {
        int[] s = valueSpan(raw);
        return raw.substring(s[0], s[1]);
    }

    public String write() {
        StringBuilder sb = new StringBuilder();
        for (IdfObject o : objects) {
            sb.append(o.text());
        }
        return sb.append(trailer).toString();
    }

    public List<IdfObject> objects() {
        return objects;
    }

    public List<IdfObject> ofClass(String className) {
        return objects.stream().filter(o -> o.className().equalsIgnoreCase(className)).toList();
    }

    public Optional<IdfObject> find(String className, String name) {
        return objects.stream().filter(o -> o.className().equalsIgnoreCase(className) && o.name().equalsIgnoreCase(name)).findFirst();
    }

    /** Any object of the given classes with this name. */
    public Optional<IdfObject> findAny(List<String> classNames, String name) {
        return objects.stream().filter(o -> classNames.stream().anyMatch(c -> c.equalsIgnoreCase(o.className()))
                && o.name().equalsIgnoreCase(name)).findFirst();
    }

    public void add(IdfObject o) {
        objects.add(o);
    }

    public boolean has(String className) {
        return objects.stream().anyMatch(o -> o.className().equalsIgnoreCase(className));
    }
}
