package dev.fanout.operator.controllers;

import dev.fanout.api.results.LoadResult;
import dev.fanout.api.results.Results;
import dev.fanout.api.results.SourceVersion;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.LoadedSource;
import dev.fanout.operator.tasks.StatusTask;
import dev.fanout.operator.tasks.TaskEngine;
import java.util.List;

/** A layer's status seen as a task of the engine; the worker's load result goes into the layer's fields. */
final class LayerTask extends StatusTask<LayerStatus> {
    /** The worker kept the table this pass: it already held these bytes (its result said unchanged). */
    boolean keptTable;

    LayerTask(LayerStatus s) {
        super(s);
    }

    /** Leaves {@code source}: it says what the table holds, which stays true until a load replaces the table. */
    @Override
    public void clearResult() {
        s.rows = null;
        s.invalidGeometries = null;
        s.bytes = null;
        s.downloadedBytes = null;
        s.seconds = null;
    }

    @Override
    public void result(String json) {
        LoadResult r = Results.read(json, LoadResult.class);
        if (r == null) {
            return;
        }
        s.rows = r.rows();
        s.invalidGeometries = r.invalidGeometries();
        s.bytes = r.bytes();
        s.downloadedBytes = r.downloadedBytes();
        s.seconds = r.seconds() == null ? null : r.seconds().total();
        keptTable = Boolean.TRUE.equals(r.unchanged());
        if (r.source() != null) {
            String loaded = keptTable && s.source != null ? s.source.loadedTime : TaskEngine.now();
            s.source = loadedSource(r.source(), loaded);
        }
    }

    static LoadedSource loadedSource(SourceVersion v, String loadedTime) {
        LoadedSource out = new LoadedSource();
        out.sha256 = v.sha256();
        out.fingerprint = v.fingerprint();
        out.loadedTime = loadedTime;
        for (SourceVersion.FileVersion f : v.files() == null ? List.<SourceVersion.FileVersion>of() : v.files()) {
            LoadedSource.File file = new LoadedSource.File();
            file.url = f.url();
            file.etag = f.etag();
            file.lastModified = f.lastModified();
            file.length = f.length();
            file.sha256 = f.sha256();
            out.files.add(file);
        }
        return out;
    }

    /** The recorded files as the change check reads them. */
    static List<SourceVersion.FileVersion> files(LoadedSource src) {
        return src == null ? List.of() : src.files.stream()
                .map(f -> new SourceVersion.FileVersion(f.url, f.etag, f.lastModified, f.length, f.sha256)).toList();
    }
}
