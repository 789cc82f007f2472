package dev.fanout.worker.spatial;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.pg.Identifiers;
import dev.fanout.worker.spatial.read.Column;
import dev.fanout.worker.spatial.read.ColumnType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which source attributes become which table columns: the --select subset (all by default), --rename targets, other names
 * laundered like ogr2ogr (lower case, [a-z0-9_]), made unique, never clashing with our fid and geom columns.
 */
public final class ColumnPlan {
    /** A kept attribute: its index in the source's value array, its column name and type. */
    public record Target(int sourceIndex, String column, ColumnType type) {
    }

    public static final String FID = "fid";
    public static final String GEOM = "geom";
    private final List<Target> targets = new ArrayList<>();

    public ColumnPlan(List<Column> source, List<String> select, Map<String, String> rename) {
        Map<String, Integer> byName = new LinkedHashMap<>();
        for (int i = 0; i < source.size(); i++) {
            byName.put(source.get(i).name().toLowerCase(Locale.ROOT), i);
        }
        List<Integer> chosen = new ArrayList<>();
        if (select == null || select.isEmpty()) {
            for (int i = 0; i < source.size(); i++) {
                chosen.add(i);
            }
        } else {
            for (String s : select) {
                Integer i = byName.get(s.toLowerCase(Locale.ROOT));
                if (i == null) {
                    throw WorkerException.badInput("--select names attribute '" + s + "', which the source does not have; it has "
                            + source.stream().map(Column::name).toList());
                }
                chosen.add(i);
            }
        }
        Map<String, String> renameLower = new LinkedHashMap<>();
        rename.forEach((from, to) -> {
            if (!byName.containsKey(from.toLowerCase(Locale.ROOT))) {
                throw WorkerException.badInput("--rename " + from + "=" + to + ": the source has no attribute '" + from + "'");
            }
            renameLower.put(from.toLowerCase(Locale.ROOT), Identifiers.validate("--rename target for " + from, to));
        });
        Set<String> used = new HashSet<>(Set.of(FID, GEOM));
        for (int i : chosen) {
            Column c = source.get(i);
            String explicit = renameLower.get(c.name().toLowerCase(Locale.ROOT));
            String name = explicit != null ? explicit : Identifiers.launder(c.name());
            if (explicit != null && used.contains(name)) {
                throw WorkerException.badInput("--rename " + c.name() + "=" + name + " clashes with another column named " + name);
            }
            String unique = name;
            for (int n = 1; used.contains(unique); n++) {
                unique = name + "_" + n;
            }
            used.add(unique);
            targets.add(new Target(i, unique, c.type()));
        }
    }

    public List<Target> targets() {
        return targets;
    }

    /** The column a --key option names (case-insensitive), or bad input. */
    public String keyColumn(String key) {
        if (key.equalsIgnoreCase(FID)) {
            return FID;
        }
        for (Target t : targets) {
            if (t.column().equalsIgnoreCase(key) || t.column().equals(Identifiers.launder(key))) {
                return t.column();
            }
        }
        throw WorkerException.badInput("--key '" + key + "' names no column of the table; its columns are "
                + targets.stream().map(Target::column).toList());
    }
}
