package dev.fanout.worker.spatial;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a deterministic polygon shapefile (.shp/.shx/.dbf/.prj/.cpg) for tests, benchmarks and the JVM training run of
 * the image (`fanout-worker train`): n MultiPolygon features of about {@code vertices} vertices each (every 4th feature
 * has two parts), 10 attributes of the usual DBF kinds.
 *
 * <pre>java -cp fanout-worker.jar dev.fanout.worker.spatial.SampleLayer OUT_DIR/name.shp FEATURES [VERTICES]</pre>
 */
public final class SampleLayer {
    private static final String[][] FIELDS = {
        {"NAME", "C", "40", "0"}, {"CODE", "C", "8", "0"}, {"ADM0_A3", "C", "3", "0"}, {"POP", "N", "12", "0"},
        {"AREA_KM2", "N", "14", "4"}, {"DENSITY", "N", "12", "3"}, {"YEAR", "N", "4", "0"}, {"ACTIVE", "L", "1", "0"},
        {"UPDATED", "D", "8", "0"}, {"CATEGORY", "C", "16", "0"}};
    private static final String[] CATEGORIES = {"urban", "rural", "forest", "water", "desert", "mountain"};

    private SampleLayer() {
    }

    public static void main(String[] args) throws IOException {
        write(Path.of(args[0]), Integer.parseInt(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 65);
    }

    public static void write(Path shp, int features, int vertices) throws IOException {
        Files.createDirectories(shp.toAbsolutePath().getParent());
        String base = shp.toString().replaceFirst("\\.shp$", "");
        Random rnd = new Random(42);
        int recLen = 1;
        for (String[] f : FIELDS) {
            recLen += Integer.parseInt(f[2]);
        }
        try (RandomAccessFile shpOut = new RandomAccessFile(base + ".shp", "rw");
             RandomAccessFile shxOut = new RandomAccessFile(base + ".shx", "rw");
             OutputStream dbf = new BufferedOutputStream(Files.newOutputStream(Path.of(base + ".dbf")), 1 << 16)) {
            shpOut.setLength(0);
            shxOut.setLength(0);
            writeDbfHeader(dbf, features, recLen);
            DataOutputStream shpData = new DataOutputStream(new BufferedOutputStream(new java.io.FileOutputStream(shpOut.getFD()), 1 << 16));
            DataOutputStream shxData = new DataOutputStream(new BufferedOutputStream(new java.io.FileOutputStream(shxOut.getFD()), 1 << 16));
            shpData.write(new byte[100]);
            shxData.write(new byte[100]);
            long offsetWords = 50;
            double[] bbox = {Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
            int cols = (int) Math.ceil(Math.sqrt(features));
            for (int i = 0; i < features; i++) {
                double cx = -179 + 358.0 * (i % cols) / cols;
                double cy = -85 + 170.0 * (i / cols) / cols;
                double r = 0.4 * 170.0 / cols;
                int parts = i % 4 == 3 ? 2 : 1;
                int perPart = Math.max(4, vertices / parts);
                double[][] rings = new double[parts][];
                for (int p = 0; p < parts; p++) {
                    rings[p] = ring(cx + (p == 0 ? 0 : r * 0.9), cy, p == 0 ? r * 0.6 : r * 0.25, perPart, rnd);
                }
                byte[] content = polygonRecord(rings, bbox);
                shpData.writeInt(i + 1);
                shpData.writeInt(content.length / 2);
                shpData.write(content);
                shxData.writeInt((int) offsetWords);
                shxData.writeInt(content.length / 2);
                offsetWords += 4 + content.length / 2;
                writeDbfRecord(dbf, i, rnd);
            }
            dbf.write(0x1A);
            shpData.flush();
            shxData.flush();
            writeMainHeader(shpOut, offsetWords, bbox);
            writeMainHeader(shxOut, 50 + 4L * features, bbox);
        }
        Files.writeString(Path.of(base + ".prj"), "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,"
                + "298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]");
        Files.writeString(Path.of(base + ".cpg"), "UTF-8");
    }

    /** A clockwise, closed, star-shaped ring (so it is always simple). */
    private static double[] ring(double cx, double cy, double r, int n, Random rnd) {
        double[] xy = new double[2 * n];
        for (int k = 0; k < n - 1; k++) {
            double a = -2 * Math.PI * k / (n - 1);
            double rr = r * (0.7 + 0.3 * rnd.nextDouble());
            xy[2 * k] = cx + rr * Math.cos(a);
            xy[2 * k + 1] = cy + rr * Math.sin(a);
        }
        xy[2 * (n - 1)] = xy[0];
        xy[2 * (n - 1) + 1] = xy[1];
        return xy;
    }

    private static byte[] polygonRecord(double[][] rings, double[] fileBox) {
        int points = 0;
        for (double[] r : rings) {
            points += r.length / 2;
        }
        ByteBuffer b = ByteBuffer.allocate(44 + 4 * rings.length + 16 * points).order(ByteOrder.LITTLE_ENDIAN);
        double[] box = {Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
        for (double[] r : rings) {
            for (int k = 0; k < r.length; k += 2) {
                box[0] = Math.min(box[0], r[k]);
                box[1] = Math.min(box[1], r[k + 1]);
                box[2] = Math.max(box[2], r[k]);
                box[3] = Math.max(box[3], r[k + 1]);
            }
        }
        for (int k = 0; k < 4; k++) {
            fileBox[k] = k < 2 ? Math.min(fileBox[k], box[k]) : Math.max(fileBox[k], box[k]);
        }
        b.putInt(5);
        for (double d : box) {
            b.putDouble(d);
        }
        b.putInt(rings.length);
        b.putInt(points);
        int start = 0;
        for (double[] r : rings) {
            b.putInt(start);
            start += r.length / 2;
        }
        for (double[] r : rings) {
            for (double d : r) {
                b.putDouble(d);
            }
        }
        return b.array();
    }

    private static void writeMainHeader(RandomAccessFile f, long lengthWords, double[] bbox) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(100);
        h.order(ByteOrder.BIG_ENDIAN).putInt(0, 9994).putInt(24, (int) lengthWords);
        h.order(ByteOrder.LITTLE_ENDIAN).putInt(28, 1000).putInt(32, 5);
        for (int k = 0; k < 4; k++) {
            h.putDouble(36 + 8 * k, bbox[k]);
        }
        f.seek(0);
        f.write(h.array());
    }

    private static void writeDbfHeader(OutputStream out, int records, int recLen) throws IOException {
        int headerLen = 32 + 32 * FIELDS.length + 1;
        ByteBuffer h = ByteBuffer.allocate(headerLen).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) 3).put((byte) 126).put((byte) 1).put((byte) 1);
        h.putInt(records).putShort((short) headerLen).putShort((short) recLen);
        h.position(29);
        h.put((byte) 0);
        h.position(32);
        for (String[] f : FIELDS) {
            byte[] name = new byte[11];
            byte[] n = f[0].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, name, 0, n.length);
            h.put(name).put((byte) f[1].charAt(0)).putInt(0).put((byte) Integer.parseInt(f[2])).put((byte) Integer.parseInt(f[3]));
            h.put(new byte[14]);
        }
        h.put((byte) 0x0D);
        out.write(h.array());
    }

    private static void writeDbfRecord(OutputStream out, int i, Random rnd) throws IOException {
        out.write(' ');
        long pop = 1000 + (long) (rnd.nextDouble() * 9_000_000);
        double area = 10 + rnd.nextDouble() * 50_000;
        String[] values = {
            "Region " + i + (i % 7 == 0 ? " Saint-Étienne" : ""), String.format("R%07d", i), String.format("%03d", i % 250),
            Long.toString(pop), String.format(java.util.Locale.ROOT, "%.4f", area),
            String.format(java.util.Locale.ROOT, "%.3f", pop / area), Integer.toString(1990 + i % 35), i % 3 == 0 ? "T" : "F",
            String.format("%04d%02d%02d", 2000 + i % 25, 1 + i % 12, 1 + i % 28), CATEGORIES[i % CATEGORIES.length]};
        for (int k = 0; k < FIELDS.length; k++) {
            int width = Integer.parseInt(FIELDS[k][2]);
            byte[] v = values[k].getBytes(StandardCharsets.UTF_8);
            byte[] cell = new byte[width];
            boolean numeric = FIELDS[k][1].equals("N");
            java.util.Arrays.fill(cell, (byte) ' ');
            int len = Math.min(v.length, width);
            System.arraycopy(v, 0, cell, numeric ? width - len : 0, len);
            out.write(cell);
        }
    }
}
