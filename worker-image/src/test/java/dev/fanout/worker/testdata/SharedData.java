package dev.fanout.worker.testdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The project's real test data in ../shared/data, copied into a test's own directory before use (never changed in place). */
public final class SharedData {
    private SharedData() {
    }

    public static Path root() {
        String env = System.getenv("FANOUT_SHARED_DATA");
        Path p = env != null ? Path.of(env) : Path.of(System.getProperty("fanout.root", "..")).resolve("../shared/data").normalize();
        if (!Files.isDirectory(p.resolve("naturalearth"))) {
            throw new IllegalStateException("shared test data not found at " + p.toAbsolutePath()
                    + ": the clone needs ../shared/data beside it (or set FANOUT_SHARED_DATA)");
        }
        return p;
    }

    /** Copies the files of one Natural Earth layer (all its parts) into {@code dir}. */
    public static Path copyNaturalEarth(String layer, Path dir) throws IOException {
        Path src = root().resolve("naturalearth").resolve(layer);
        Files.createDirectories(dir);
        try (var files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir.resolve(layer + ".shp");
    }

    /** The three Natural Earth layers, copied into {@code dir}/admin0, /admin1 and /tz (the layout the http tests serve). */
    public static void copyNaturalEarthLayers(Path dir) throws IOException {
        copyNaturalEarth("ne_50m_admin_0_countries", dir.resolve("admin0"));
        copyNaturalEarth("ne_50m_admin_1_states_provinces", dir.resolve("admin1"));
        copyNaturalEarth("ne_10m_time_zones", dir.resolve("tz"));
    }

    /** Copies every file of {@code dir} named {@code base}.* into {@code target}; returns the .shp. */
    public static Path copyNaturalEarthLike(Path dir, String base, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().startsWith(base + ".")) {
                    Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return target.resolve(base + ".shp");
    }

    /** r-cran-sf's sample data (nc.shp, nc.gpkg: NAD27), unpacked by dev/lib/testdata.sh. */
    public static Path sfData() {
        String env = System.getenv("FANOUT_SF_DIR");
        if (env == null || !Files.isRegularFile(Path.of(env, "shape", "nc.shp"))) {
            throw new IllegalStateException("FANOUT_SF_DIR is not set or holds no shape/nc.shp: run ./dev/test.sh "
                    + "(it runs dev/lib/testdata.sh)");
        }
        return Path.of(env);
    }
}
