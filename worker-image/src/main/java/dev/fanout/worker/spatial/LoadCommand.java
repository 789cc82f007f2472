package dev.fanout.worker.spatial;

import dev.fanout.api.ExitCode;
import dev.fanout.api.SourceFormat;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.Flags;
import dev.fanout.api.args.LoadArgs;
import dev.fanout.api.results.LoadResult;
import dev.fanout.api.results.SourceVersion;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.io.ResultFile;
import dev.fanout.worker.io.ScratchSpace;
import dev.fanout.worker.io.SharedCopy;
import dev.fanout.worker.io.SourceFetcher;
import dev.fanout.worker.io.ZipExtractor;
import dev.fanout.worker.pg.Database;
import dev.fanout.worker.pg.Identifiers;
import dev.fanout.worker.pg.TableComment;
import dev.fanout.worker.spatial.read.FeatureSource;
import dev.fanout.worker.spatial.read.GeoJsonSource;
import dev.fanout.worker.spatial.read.GeoPackageSource;
import dev.fanout.worker.spatial.read.ShapefileSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Load one layer of a GeoPackage, Shapefile or GeoJSON source into a PostGIS table, atomically. "
                + "Database from FANOUT_DB_URL, FANOUT_DB_USER, FANOUT_DB_PASSWORD.")
public class LoadCommand implements Callable<Integer> {
    @Option(names = LoadArgs.SOURCE, required = true, description = "http(s):// URL or local path of the file (may be a .zip)")
    String source;
    @Option(names = LoadArgs.LAYER, description = "layer (table) inside a multi-layer source such as a GeoPackage")
    String layer;
    @Option(names = LoadArgs.PATH, description = "path of the dataset inside a zip source")
    String pathInZip;
    @Option(names = LoadArgs.FORMAT, defaultValue = "auto", description = "auto (default), gpkg, shapefile or geojson")
    SourceFormat format;
    @Option(names = Flags.SCHEMA, defaultValue = "public", description = "target schema (default public)")
    String schema;
    @Option(names = Flags.TABLE, required = true, description = "target table")
    String table;
    @Option(names = LoadArgs.TARGET_SRID, defaultValue = "4326", description = "SRID of the geometry column (default 4326)")
    int targetSrid;
    @Option(names = LoadArgs.SOURCE_SRID, description = "CRS of the source as an EPSG code, when it declares none (or to override it)")
    Integer sourceSrid;
    @Option(names = LoadArgs.SELECT, split = ",", description = "attributes to keep, comma-separated (default all)")
    List<String> select = new ArrayList<>();
    @Option(names = LoadArgs.RENAME, description = "rename an attribute: SOURCE=column (repeatable)")
    Map<String, String> rename = new LinkedHashMap<>();
    @Option(names = LoadArgs.KEY, split = ",", description = "columns to index (btree) after the load, e.g. the link keys")
    List<String> keys = new ArrayList<>();
    @Option(names = "--encoding", description = "text encoding of a shapefile's .dbf, when its .cpg / header is wrong")
    String encoding;
    @Option(names = Flags.RESULT, defaultValue = WorkerContract.RESULT_FILE, description = "where the result JSON goes (default ${DEFAULT-VALUE})")
    Path result;
    @Option(names = LoadArgs.TASK, description = "task id reported in the result (default: the table)")
    String task;
    @Option(names = "--max-download-bytes", defaultValue = "21474836480", description = "size limit for downloads and unpacked zips (default 20 GiB)")
    long maxBytes;
    @Option(names = LoadArgs.WORK_DIR, description = "scratch directory for downloads (default: a new temporary directory)")
    Path workDir;
    @Option(names = "--encoders", description = "geometry encoding threads (default: cores - 1, at least 1)")
    Integer encoders;
    @Option(names = "--copy-streams", defaultValue = "1", description = "COPY connections filling the table at once (default 1): "
            + "the server's share of a load (geometry input, compression) then runs on as many of its cores; worth it when the "
            + "database has cores of its own to spare")
    int copyStreams;
    @Option(names = "--geometry-compression", defaultValue = "lz4", description = "lz4 (default, where the server has it: "
            + "PostgreSQL 14+ built with lz4) or pglz (the server's default) for the geometry column's large values")
    String geometryCompression;
    @Option(names = LoadArgs.FINGERPRINT, description = "fingerprint of the load's spec, kept with the table (its comment) "
            + "beside the source's validators and SHA-256")
    String fingerprint;
    @Option(names = LoadArgs.SKIP_UNCHANGED, description = "keep the table as it is when it holds this source's bytes "
            + "(same SHA-256) under the same --fingerprint; the result then says unchanged")
    boolean skipUnchanged;
    @Option(names = LoadArgs.SHARED_COPY_DIR, description = "a directory the layers sharing this source all mount: the first "
            + "of them downloads the source into it once, the others read that copy (with --shared-copy-key and --shared-copy-tag)")
    Path sharedCopyDir;
    @Option(names = LoadArgs.SHARED_COPY_KEY, description = "the source's copy in --shared-copy-dir (one per source)")
    String sharedCopyKey;
    @Option(names = LoadArgs.SHARED_COPY_TAG, description = "the run the copy must be of: a copy with another tag is replaced")
    String sharedCopyTag;
    @Option(names = "--dry-run", description = "read, reproject, check and encode every feature, but touch no database: "
            + "checks a source before loading it (the result has rows and invalid geometries)")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Identifiers.validate("--schema", schema);
        Identifiers.validate("--table", table);
        if (copyStreams < 1 || copyStreams > 16) {
            throw WorkerException.badInput("--copy-streams must be 1 to 16, got " + copyStreams);
        }
        if (!"lz4".equals(geometryCompression) && !"pglz".equals(geometryCompression)) {
            throw WorkerException.badInput("--geometry-compression must be lz4 or pglz, got '" + geometryCompression + "'");
        }
        if (targetSrid <= 0) {
            throw WorkerException.badInput("--target-srid must be a positive EPSG code, got " + targetSrid);
        }
        SourceFetcher.checkScheme(source);
        Charset dbfCharset = null;
        if (encoding != null) {
            try {
                dbfCharset = Charset.forName(encoding);
            } catch (IllegalArgumentException e) {
                throw WorkerException.badInput("--encoding '" + encoding + "' is not a known charset");
            }
        }
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("fanout-load-");
        SharedCopy shared = null;
        try (Database.Ahead db = dryRun ? null : Database.Ahead.open()) { // connects while the source is fetched and opened
            SourceFetcher fetcher = new SourceFetcher(work, maxBytes, 4, fingerprint != null);
            Path file;
            if (sharedCopyDir != null && SourceFetcher.isUrl(source)) {
                shared = SharedCopy.hold(sharedCopyDir, sharedCopyKey, sharedCopyTag, dir -> new SourceFetcher(dir, maxBytes, 4),
                        this::fetchSource);
                fetcher.adopt(shared.files());
                file = shared.file();
            } else {
                file = fetchSource(fetcher);
            }
            long downloaded = shared != null ? shared.downloadedBytes() : fetcher.bytesDownloaded();
            Path dataset = unpack(file, work);
            SourceFormat fmt = format == SourceFormat.auto ? detect(dataset) : format;
            double downloadSeconds = (System.nanoTime() - t0) / 1e9;
            if (skipUnchanged && !dryRun) {
                LoadResult kept = keptIfUnchanged(db, fetcher, downloaded, round(downloadSeconds), t0);
                if (kept != null) {
                    ResultFile.write(result, kept);
                    return ExitCode.OK;
                }
            }
            try (FeatureSource src = open(fmt, dataset, dbfCharset)) {
                Reprojection reprojection = Reprojection.between(src.crs(), sourceSrid, targetSrid);
                ColumnPlan plan = new ColumnPlan(src.columns(), select, rename);
                List<String> keyColumns = keys.stream().map(plan::keyColumn).distinct().toList();
                int threads = encoders != null ? encoders : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
                PostgisLoader loader = new PostgisLoader(schema, table, targetSrid, plan, keyColumns, threads, copyStreams,
                        "lz4".equals(geometryCompression));
                PostgisLoader.Result r = dryRun ? loader.dryRun(src, reprojection)
                        : loader.load(db, src, reprojection, rows -> fetcher.version(fingerprint, rows));
                LoadResult.Seconds seconds = new LoadResult.Seconds(round(downloadSeconds), r.loadSeconds(), r.readBusy(), r.encodeBusy(),
                        r.copyBusy(), r.indexSeconds(), r.analyzeSeconds(), r.swapSeconds(), round((System.nanoTime() - t0) / 1e9));
                List<String> dropped = r.droppedForeignKeys().isEmpty() ? null
                        : r.droppedForeignKeys().subList(0, Math.min(10, r.droppedForeignKeys().size()));
                LoadResult out = new LoadResult(task != null ? task : table, dryRun ? null : schema + "." + table, dryRun ? true : null,
                        r.rows(), r.invalid(), r.empty(), Math.max(fetcher.bytesFetched(), r.bytesRead()),
                        src.family().multiType + (src.hasZ() ? "Z" : ""), targetSrid, reprojection.source(), seconds, dropped,
                        fetcher.version(fingerprint, dryRun ? null : r.rows()), null, downloaded);
                ResultFile.write(result, out);
            }
            return ExitCode.OK;
        } finally {
            if (shared != null) {
                shared.close();
            }
            if (workDir == null) {
                ScratchSpace.delete(work);
            }
        }
    }

    /**
     * Fetches the source into the fetcher's directory: the file, and beside a .shp URL its .dbf, .shx, .prj and .cpg.
     * Returns the file.
     */
    private Path fetchSource(SourceFetcher fetcher) throws IOException {
        Path file = fetcher.fetch(source);
        if (SourceFetcher.isUrl(source) && !ZipExtractor.isZip(file)
                && (format == SourceFormat.shapefile || format == SourceFormat.auto && detect(file) == SourceFormat.shapefile)) {
            fetchShapefileSiblings(fetcher, source);
        }
        return file;
    }

    /**
     * The result of a load skipped because the table holds these very bytes under the same fingerprint (its comment says
     * so), or null when it must be loaded: no table, another source or spec, or no fingerprint to compare.
     */
    private LoadResult keptIfUnchanged(Database.Ahead db, SourceFetcher fetcher, long downloaded, double downloadSeconds, long t0) {
        if (fingerprint == null) {
            return null;
        }
        SourceVersion now = fetcher.version(fingerprint, null);
        SourceVersion held;
        try (java.sql.Connection c = db.get()) {
            held = TableComment.read(c, Identifiers.qualified(schema, table));
        } catch (java.sql.SQLException e) {
            throw Database.classify("reading what " + schema + "." + table + " holds failed", e);
        }
        if (held == null || !now.sameContent(held)) {
            return null;
        }
        SourceVersion version = new SourceVersion(now.files(), now.sha256(), fingerprint, held.rows());
        double total = round((System.nanoTime() - t0) / 1e9);
        return new LoadResult(task != null ? task : table, schema + "." + table, null, held.rows() == null ? 0 : held.rows(), 0, 0,
                fetcher.bytesFetched(), null, targetSrid, null,
                new LoadResult.Seconds(downloadSeconds, 0, 0, 0, 0, 0, 0, 0, total), null, version, true, downloaded);
    }

    private static double round(double s) {
        return Math.round(s * 1000) / 1000.0;
    }

    /** A zip is unpacked and the dataset chosen: --path, or the only dataset in it. */
    private Path unpack(Path file, Path work) throws IOException {
        if (!ZipExtractor.isZip(file)) {
            if (pathInZip != null) {
                throw WorkerException.badInput("--path is for zip sources, but " + file.getFileName() + " is not a zip");
            }
            return file;
        }
        Path dir = work.resolve("unzipped");
        List<Path> files = ZipExtractor.extract(file, dir, maxBytes);
        if (pathInZip != null) {
            Path p = dir.resolve(pathInZip).normalize();
            if (!p.startsWith(dir) || !Files.isRegularFile(p)) {
                throw WorkerException.badInput("--path '" + pathInZip + "' is not in the zip; it holds "
                        + files.stream().map(f -> dir.relativize(f).toString()).filter(LoadCommand::isDataset).toList());
            }
            return p;
        }
        List<Path> datasets = files.stream().filter(f -> isDataset(f.toString())).toList();
        if (datasets.size() != 1) {
            throw WorkerException.badInput("the zip holds " + datasets.size() + " datasets "
                    + datasets.stream().map(f -> dir.relativize(f).toString()).toList() + ": choose one with --path");
        }
        return datasets.get(0);
    }

    private static boolean isDataset(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".shp") || n.endsWith(".gpkg") || n.endsWith(".geojson") || n.endsWith(".json");
    }

    /** By extension, else by the first bytes. */
    static SourceFormat detect(Path file) throws IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".shp")) {
            return SourceFormat.shapefile;
        }
        if (n.endsWith(".gpkg")) {
            return SourceFormat.gpkg;
        }
        if (n.endsWith(".geojson") || n.endsWith(".json")) {
            return SourceFormat.geojson;
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (head.length >= 16 && new String(head, 0, 15, java.nio.charset.StandardCharsets.ISO_8859_1).equals("SQLite format 3")) {
            return SourceFormat.gpkg;
        }
        if (head.length >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x27 && head[3] == 0x0a) {
            return SourceFormat.shapefile;
        }
        for (byte b : head) {
            if (!Character.isWhitespace(b)) {
                if (b == '{') {
                    return SourceFormat.geojson;
                }
                break;
            }
        }
        throw WorkerException.badInput(file.getFileName() + " is not a supported format: expected a GeoPackage, a Shapefile "
                + "(.shp with .dbf), GeoJSON, or a zip holding one; set --format if the name misleads");
    }

    /** A .shp URL brings its .dbf (required), .shx, .prj and .cpg from the same place. */
    private static void fetchShapefileSiblings(SourceFetcher fetcher, String url) {
        String base = url.replaceFirst("\\.[Ss][Hh][Pp]$", "");
        fetcher.download(base + ".dbf", true);
        for (String ext : new String[] {"shx", "prj", "cpg"}) {
            fetcher.download(base + "." + ext, false);
        }
    }

    private FeatureSource open(SourceFormat fmt, Path dataset, Charset dbfCharset) throws IOException {
        if (layer != null && fmt != SourceFormat.gpkg) {
            throw WorkerException.badInput("--layer is for multi-layer sources (GeoPackage); " + dataset.getFileName() + " is " + fmt);
        }
        return switch (fmt) {
            case shapefile -> new ShapefileSource(dataset, dbfCharset);
            case gpkg -> new GeoPackageSource(dataset, layer);
            case geojson -> new GeoJsonSource(dataset);
            case auto -> throw new IllegalStateException();
        };
    }
}
