package dev.fanout.api.args;

import dev.fanout.api.SourceFormat;
import dev.fanout.api.WorkerContract;
import java.util.List;
import java.util.Map;

/** {@code fanout-worker spatial load}: one layer of a source into a table, swapped in atomically. */
public record LoadArgs(String source, String layer, String pathInZip, SourceFormat format, String schema, String table,
        int targetSrid, Integer sourceSrid, List<String> select, Map<String, String> rename, List<String> keys, String task,
        String fingerprint, boolean skipUnchanged, SharedCopy sharedCopy) {
    public static final List<String> COMMAND = List.of("spatial", "load");
    public static final String SOURCE = "--source";
    public static final String LAYER = "--layer";
    public static final String PATH = "--path";
    public static final String FORMAT = "--format";
    public static final String TARGET_SRID = "--target-srid";
    public static final String SOURCE_SRID = "--source-srid";
    public static final String SELECT = "--select";
    public static final String RENAME = "--rename";
    public static final String KEY = "--key";
    public static final String TASK = "--task";
    public static final String WORK_DIR = "--work-dir";
    /** Fingerprint of the load's spec, stored with the table so that a later load can tell it holds the same thing. */
    public static final String FINGERPRINT = "--fingerprint";
    /** Keep the table when the source's bytes and the fingerprint are those it already holds. */
    public static final String SKIP_UNCHANGED = "--skip-unchanged";
    public static final String SHARED_COPY_DIR = "--shared-copy-dir";
    public static final String SHARED_COPY_KEY = "--shared-copy-key";
    public static final String SHARED_COPY_TAG = "--shared-copy-tag";

    /**
     * One copy of a source for the layers that share it: the first layer to need it downloads it into {@code dir/key}, the
     * others wait on its lock and read it. {@code tag} names the copy wanted (the run): a copy with another tag is replaced.
     * Keys and tags are made of letters, digits, '.', '_' and '-'.
     */
    public record SharedCopy(String dir, String key, String tag) {
    }

    /** The arguments, with the pod's work dir and result file. */
    public List<String> toArgs() {
        ArgList a = new ArgList(COMMAND).add(SOURCE, source).add(Flags.SCHEMA, schema).add(Flags.TABLE, table)
                .add(TARGET_SRID, targetSrid).add(TASK, task).add(WORK_DIR, WorkerContract.WORK_DIR)
                .add(Flags.RESULT, WorkerContract.RESULT_FILE).add(LAYER, layer).add(PATH, pathInZip)
                .add(FORMAT, format == null || format == SourceFormat.auto ? null : format).add(SOURCE_SRID, sourceSrid)
                .joined(SELECT, select);
        if (rename != null) {
            a.repeated(RENAME, rename.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
        a.repeated(KEY, keys).add(FINGERPRINT, fingerprint);
        if (skipUnchanged) {
            a.flag(SKIP_UNCHANGED);
        }
        if (sharedCopy != null) {
            a.add(SHARED_COPY_DIR, sharedCopy.dir()).add(SHARED_COPY_KEY, sharedCopy.key()).add(SHARED_COPY_TAG, sharedCopy.tag());
        }
        return a.list();
    }
}
