package dev.fanout.operator.controllers;

import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.LinkArgs;
import dev.fanout.api.args.LoadArgs;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SourceSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadSpec;
import dev.fanout.operator.schedule.Runs;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskSet;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A SpatialLoad's plan: one task per layer (largest first: by sizeHint, else the source's Content-Length; then spec order), each with the worker arguments and a
 * fingerprint of everything that decides the loaded table (the layer's spec, the database Secret and schema, the image);
 * and the aggregate link task. Also the checks CEL cannot do.
 */
final class SpatialLoadPlan {
    static final String KIND = "spatialload";
    static final String LINK_KIND = "spatialload-link";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private SpatialLoadPlan() {
    }

    /**
     * The layers' tasks. A task's fingerprint is that of its load ({@link #fingerprint}), plus the layer's source revision
     * once a later run decided to load it again; the worker keeps the load's fingerprint with the table.
     */
    static List<TaskSet.Planned> tasks(SpatialLoad sl, String image) {
        SpatialLoadSpec spec = sl.getSpec();
        Map<String, String> revisions = new HashMap<>();
        if (sl.getStatus() != null) {
            sl.getStatus().layers.forEach(l -> revisions.put(l.name, l.sourceRevision));
        }
        Map<String, Long> sourceBytes = new HashMap<>();
        if (sl.getStatus() != null) {
            sl.getStatus().layers.stream().filter(l -> l.sourceBytes != null).forEach(l -> sourceBytes.put(l.name, l.sourceBytes));
        }
        List<LayerSpec> ordered = new ArrayList<>(spec.layers);
        ordered.sort(Comparator.comparing((LayerSpec l) -> size(l, sourceBytes.get(l.name))).reversed()); // stable: spec order among equals
        Map<String, Integer> readers = readers(spec);
        Set<String> shared = sharedSources(spec, readers);
        List<TaskSet.Planned> plan = new ArrayList<>();
        for (LayerSpec l : ordered) {
            String fingerprint = fingerprint(spec, l, image);
            String revision = revisions.get(l.name);
            String hash = revision == null ? fingerprint : TaskJobs.hash(fingerprint, revision);
            LoadArgs.SharedCopy copy = shared.contains(l.source.url) ? sharedCopy(sl, l, revision) : null;
            plan.add(new TaskSet.Planned(l.name, hash, loadArgs(spec, l, fingerprint, Runs.isScheduledRevision(revision), copy)
                    .toArgs(), layout(copy == null ? null : spec.sourceCache.claimName,
                    isSmall(l, sourceBytes.get(l.name)))));
        }
        return plan;
    }

    /**
     * A layer smaller than this runs as a short JVM ({@link TaskJobs#SHORT_JVM}). On this 2-core machine C1 alone loaded
     * every size measured faster than C2, whose compiler threads take the cores the load needs: 105 MB 1.67 s against
     * 2.06 s, 307 MB 2.45 s against 3.05 s, 1.1 GB 11.4 s against 13.2 s. Larger layers keep C2: not measured here, and
     * the longer a load, the more C2's faster code can pay back its compiles.
     */
    static final long SHORT_LOAD_BYTES = 2L << 30;

    /**
     * Whether a layer's worker runs as a short JVM: the layer (its sizeHint, else its source's length) is known and under
     * {@link #SHORT_LOAD_BYTES}. What it downloads does not count: the worker hashes it with OpenSSL's SHA-256, as fast in
     * C1 as in C2 (the JDK's has no C1 intrinsic: 13x slower there).
     */
    static boolean isSmall(LayerSpec l, Long sourceBytes) {
        BigDecimal layer = size(l, sourceBytes);
        return layer.signum() >= 0 && layer.compareTo(BigDecimal.valueOf(SHORT_LOAD_BYTES)) < 0;
    }

    /** How many layers read each source URL. */
    private static Map<String, Integer> readers(SpatialLoadSpec spec) {
        Map<String, Integer> readers = new HashMap<>();
        spec.layers.forEach(l -> readers.merge(l.source.url, 1, Integer::sum));
        return readers;
    }

    /** The URLs more than one layer reads, when the load has a source cache to share them through; else none. */
    private static Set<String> sharedSources(SpatialLoadSpec spec, Map<String, Integer> readers) {
        Set<String> shared = new HashSet<>();
        if (spec.sourceCache != null) {
            readers.forEach((url, n) -> {
                if (n > 1) {
                    shared.add(url);
                }
            });
        }
        return shared;
    }

    /**
     * The copy a layer's task reads of its shared source: one per load and URL, of this run. The tag changes with the spec's
     * generation too, so a layer reloaded after an edit fetches the source afresh rather than reading a copy from before.
     * The cache is not part of the fingerprint: it changes how a source is fetched, not what the table holds.
     */
    static LoadArgs.SharedCopy sharedCopy(SpatialLoad sl, LayerSpec l, String revision) {
        return new LoadArgs.SharedCopy(WorkerContract.SOURCE_CACHE_DIR, sl.getMetadata().getUid() + "-" + TaskJobs.hash(l.source.url),
                "g" + sl.getMetadata().getGeneration() + "." + (revision == null ? "first" : revision));
    }

    /** The layer's pod: the worker, with the source cache's claim mounted when it reads a shared copy (claim not null). */
    private static TaskJobs.Layout layout(String claim, boolean small) {
        if (claim == null) {
            return small ? TaskJobs.Layout.SHORT_WORKER : TaskJobs.Layout.WORKER_ONLY;
        }
        return new TaskJobs.Layout(List.of(), small ? TaskJobs.SHORT_JVM : List.of(),
                List.of(new VolumeMountBuilder().withName("source-cache").withMountPath(WorkerContract.SOURCE_CACHE_DIR).build()),
                List.of(new VolumeBuilder().withName("source-cache").withNewPersistentVolumeClaim().withClaimName(claim)
                        .endPersistentVolumeClaim().build()));
    }

    /** Longest first: the layer's sizeHint in bytes, else its source's Content-Length, else unknown (last, in spec order). */
    static BigDecimal size(LayerSpec l, Long sourceBytes) {
        if (l.sizeHint != null && TaskJobs.isQuantity(l.sizeHint)) {
            return Quantity.getAmountInBytes(l.sizeHint);
        }
        return sourceBytes == null ? BigDecimal.valueOf(-1) : BigDecimal.valueOf(sourceBytes);
    }

    /** Everything that decides what a layer's table holds: the layer's spec, the database Secret and schema, the image. */
    static String fingerprint(SpatialLoadSpec spec, LayerSpec l, String image) {
        return TaskJobs.hash(Serialization.asJson(l.source), l.table, l.targetSrid, l.select, l.rename, l.keys,
                spec.database.secretRef.name, spec.database.schema, image);
    }

    static LoadArgs loadArgs(SpatialLoadSpec spec, LayerSpec l, String fingerprint, boolean skipUnchanged, LoadArgs.SharedCopy copy) {
        SourceSpec s = l.source;
        Set<String> keys = new LinkedHashSet<>(l.keys == null ? List.of() : l.keys);
        if (l.parent != null) {
            keys.add(l.parent.column); // the link step joins on it
        }
        return new LoadArgs(s.url, s.layer, s.path, s.format, spec.database.schema, l.table, l.targetSrid == null ? 4326 : l.targetSrid,
                s.srid, l.select, l.rename, List.copyOf(keys), l.name, fingerprint, skipUnchanged, copy);
    }

    /** The link task, or null when no layer has a parent. */
    static TaskSet.Planned linkTask(SpatialLoad sl, List<TaskSet.Planned> layers) {
        SpatialLoadSpec spec = sl.getSpec();
        Map<String, LayerSpec> byName = new HashMap<>();
        spec.layers.forEach(l -> byName.put(l.name, l));
        List<LinkArgs.Link> links = new ArrayList<>();
        for (LayerSpec l : spec.layers) {
            if (l.parent != null) {
                LayerSpec p = byName.get(l.parent.layer);
                links.add(new LinkArgs.Link(l.table, l.parent.column, p.table, l.parent.parentColumn, l.parent.fkColumn));
            }
        }
        if (links.isEmpty()) {
            return null;
        }
        List<String> args = new LinkArgs(spec.database.schema, links).toArgs();
        List<String> hashes = layers.stream().map(TaskSet.Planned::specHash).sorted().toList();
        return new TaskSet.Planned("link", TaskJobs.hash(hashes, args), args, TaskJobs.Layout.SHORT_WORKER); // SQL only: seconds
    }

    /** What the schema cannot say: cycles in parents, identifiers inside lists and maps. Empty when the spec is fine. */
    static List<String> problems(SpatialLoadSpec spec) {
        List<String> out = new ArrayList<>();
        for (LayerSpec l : spec.layers) {
            if (l.sizeHint == null) {
                continue;
            }
            if (!TaskJobs.isQuantity(l.sizeHint)) {
                out.add("spec.layers[" + l.name + "].sizeHint: '" + l.sizeHint + "' is not a size; write e.g. 2Gi or 500Mi");
            } else if (Quantity.getAmountInBytes(l.sizeHint).signum() < 0) {
                out.add("spec.layers[" + l.name + "].sizeHint: " + l.sizeHint + " is negative; give the source's approximate size");
            }
        }
        Map<String, LayerSpec> byName = new HashMap<>();
        spec.layers.forEach(l -> byName.put(l.name, l));
        for (LayerSpec l : spec.layers) {
            if (l.keys != null) {
                for (int i = 0; i < l.keys.size(); i++) {
                    if (!IDENTIFIER.matcher(l.keys.get(i)).matches()) {
                        out.add("spec.layers[" + l.name + "].keys[" + i + "] '" + l.keys.get(i) + "' is not a plain SQL identifier: "
                                + "use letters, digits and _ (at most 63)");
                    }
                }
            }
            if (l.rename != null) {
                l.rename.forEach((from, to) -> {
                    if (!IDENTIFIER.matcher(to).matches()) {
                        out.add("spec.layers[" + l.name + "].rename[" + from + "] '" + to + "' is not a plain SQL identifier: "
                                + "use letters, digits and _ (at most 63)");
                    }
                });
            }
            List<String> path = new ArrayList<>(List.of(l.name));
            LayerSpec cur = l;
            while (cur.parent != null && byName.containsKey(cur.parent.layer)) {
                cur = byName.get(cur.parent.layer);
                path.add(cur.name);
                if (cur.name.equals(l.name)) {
                    out.add("spec.layers[" + l.name + "].parent: the parent links form a cycle " + String.join(" -> ", path)
                            + "; remove the parent of one of these layers");
                    break;
                }
                if (path.size() > byName.size() + 1) {
                    break; // a cycle that does not pass through l: reported for its own members
                }
            }
        }
        return out;
    }
}
