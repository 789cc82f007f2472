package dev.fanout.worker.testdata;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GDAL's ogr2ogr (Debian gdal-bin): the reference the worker is compared with, and a converter for test inputs. */
public final class Ogr2ogr {
    private Ogr2ogr() {
    }

    /** The test bed database as an OGR PG: connection string. */
    public static String pgConnection() {
        Matcher m = Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/([^?]+)").matcher(System.getenv("FANOUT_DB_URL"));
        if (!m.find()) {
            throw new IllegalStateException("cannot parse FANOUT_DB_URL");
        }
        return "PG:host=" + m.group(1) + " port=" + (m.group(2) == null ? "5432" : m.group(2)) + " dbname=" + m.group(3)
                + " user=" + System.getenv("FANOUT_DB_USER") + " password=" + System.getenv("FANOUT_DB_PASSWORD");
    }

    /** Loads {@code source} into table {@code table} the way a user would, multi-geometries promoted, optionally reprojected. */
    public static void loadIntoPostgis(Path source, String table, String targetSrs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ogr2ogr", "-f", "PostgreSQL", pgConnection(), source.toString(), "-nln", table,
                "-nlt", "PROMOTE_TO_MULTI", "-lco", "GEOMETRY_NAME=geom", "-overwrite"));
        if (targetSrs != null) {
            cmd.addAll(List.of("-t_srs", targetSrs));
        }
        run(cmd);
    }

    public static void convert(Path source, Path target, String driver) throws IOException, InterruptedException {
        run(List.of("ogr2ogr", "-f", driver, target.toString(), source.toString()));
    }

    public static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd.subList(0, 4)) + "... failed: " + out);
        }
    }
}
