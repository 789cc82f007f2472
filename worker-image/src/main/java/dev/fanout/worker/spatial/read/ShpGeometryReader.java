package dev.fanout.worker.spatial.read;

import dev.fanout.worker.WorkerException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.locationtech.jts.algorithm.CGAlgorithmsDD;
import org.locationtech.jts.algorithm.PointLocation;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.impl.PackedCoordinateSequence;
import org.locationtech.jts.geom.impl.PackedCoordinateSequenceFactory;

/**
 * Reads the geometries of a .shp file record by record (ESRI Shapefile Technical Description, 1998). Written by hand:
 * the only maintained Java shapefile reader is GeoTools', which is not on Maven Central. Supports Null, Point, MultiPoint,
 * PolyLine and Polygon in their plain, Z and M forms (M values are dropped); MultiPatch is refused as bad input.
 */
final class ShpGeometryReader implements AutoCloseable {
    private static final int FILE_CODE = 9994;
    private final FileChannel channel;
    private final String name;
    final int shapeType;
    final boolean hasZ;
    private final long fileLength;
    /** A window of the file read in large blocks: records are parsed in place, without two reads per record. */
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    private long bufferStart = -1;
    private long position = 100;
    private final GeometryFactory factory2d = new GeometryFactory(new PackedCoordinateSequenceFactory(PackedCoordinateSequenceFactory.DOUBLE));

    /** The .shx index, read along: records may have gaps between them, so offsets come from there when it exists. */
    private final java.io.DataInputStream shx;

    ShpGeometryReader(Path shp, Path shxFile) throws IOException {
        this.channel = FileChannel.open(shp, StandardOpenOption.READ);
        if (shxFile != null) {
            this.shx = new java.io.DataInputStream(new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(shxFile), 1 << 16));
            this.shx.skipNBytes(100);
        } else {
            this.shx = null;
        }
        this.name = shp.getFileName().toString();
        ByteBuffer h = ByteBuffer.allocate(100);
        readFully(h, 0);
        h.flip();
        if (h.order(ByteOrder.BIG_ENDIAN).getInt(0) != FILE_CODE) {
            throw WorkerException.badInput(name + " is not a shapefile (file code " + h.getInt(0) + ", expected 9994)");
        }
        long declared = (h.getInt(24) & 0xffffffffL) * 2;
        fileLength = Math.min(declared, channel.size());
        shapeType = h.order(ByteOrder.LITTLE_ENDIAN).getInt(32);

        hasZ = shapeType >= 11 && shapeType <= 18;
        if (family(shapeType) == null && shapeType != 0) {
            throw WorkerException.badInput(name + ": shape type " + shapeType + " is not supported (MultiPatch or unknown)");
        }
    }

    static GeometryFamily family(int shapeType) {
        return switch (shapeType % 10) {
            case 1, 8 -> GeometryFamily.POINT;
            case 3 -> GeometryFamily.LINE;
            case 5 -> GeometryFamily.POLYGON;
            default -> null;
        };
    }

    long position() {
        return position;
    }

    /**
     * @return the next record's geometry; {@link #END} at the end of the file; null for a Null shape
     */
    Geometry next() throws IOException {
        if (shx != null) {
            long offset;
            try {
                offset = (shx.readInt() & 0xffffffffL) * 2;
                shx.readInt();
            } catch (EOFException e) {
                return END;
            }
            if (offset < 100 || offset + 8 > fileLength) {
                throw WorkerException.badInput(name + " is corrupt: its .shx points at byte " + offset + ", outside the .shp");
            }
            position = offset;
        }
        if (position + 8 > fileLength) {
            return END;
        }
        ByteBuffer w = window(position, 8);
        int contentBytes = w.order(ByteOrder.BIG_ENDIAN).getInt(w.position() + 4) * 2;
        if (contentBytes < 4 || position + 8 + contentBytes > fileLength) {
            throw WorkerException.badInput(name + " is corrupt: record at byte " + position + " declares " + contentBytes
                    + " bytes but the file ends at " + fileLength);
        }
        w = window(position + 8, contentBytes);
        ByteBuffer content = w.slice(w.position(), contentBytes).order(ByteOrder.LITTLE_ENDIAN);
        position += 8 + contentBytes;
        try {
            return parse(content);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw WorkerException.badInput(name + " is corrupt: record ending at byte " + position + " cannot be read (" + e + ")", e);
        }
    }

    /** Marks the end of the file (a distinct object, since null means a Null shape). */
    static final Geometry END = new GeometryFactory().createPoint();

    private Geometry parse(ByteBuffer b) {
        int type = b.getInt();
        if (type == 0) {
            return null;
        }
        if (type != shapeType) {
            throw new IllegalArgumentException("record shape type " + type + " differs from the file's " + shapeType);
        }
        boolean z = type >= 11 && type <= 18;
        int dim = z ? 3 : 2;
        switch (type % 10) {
            case 1 -> {
                double x = b.getDouble();
                double y = b.getDouble();
                double[] c = z ? new double[] {x, y, b.getDouble()} : new double[] {x, y};
                return factory2d.createPoint(new PackedCoordinateSequence.Double(c, dim, 0));
            }
            case 8 -> {
                b.position(b.position() + 32);
                int n = b.getInt();
                double[] c = readXY(b, n, dim);
                if (z) {
                    readZ(b, c, n);
                }
                Point[] pts = new Point[n];
                for (int i = 0; i < n; i++) {
                    double[] one = new double[dim];
                    System.arraycopy(c, i * dim, one, 0, dim);
                    pts[i] = factory2d.createPoint(new PackedCoordinateSequence.Double(one, dim, 0));
                }
                return factory2d.createMultiPoint(pts);
            }
            case 3, 5 -> {
                b.position(b.position() + 32);
                int numParts = b.getInt();
                int numPoints = b.getInt();
                if (numParts < 0 || numPoints < 0 || numParts > numPoints + 1) {
                    throw new IllegalArgumentException("bad part/point counts " + numParts + "/" + numPoints);
                }
                int[] starts = new int[numParts + 1];
                for (int i = 0; i < numParts; i++) {
                    starts[i] = b.getInt();
                }
                starts[numParts] = numPoints;
                double[] all = readXY(b, numPoints, dim);
                if (z) {
                    readZ(b, all, numPoints);
                }
                List<double[]> parts = new ArrayList<>(numParts);
                for (int i = 0; i < numParts; i++) {
                    int from = starts[i];
                    int to = starts[i + 1];
                    if (from < 0 || to > numPoints || from > to) {
                        throw new IllegalArgumentException("bad part index " + from);
                    }
                    if (numParts == 1 && from == 0 && to == numPoints) {
                        parts.add(all); // the one part is all of them
                        continue;
                    }
                    double[] part = new double[(to - from) * dim];
                    System.arraycopy(all, from * dim, part, 0, part.length);
                    parts.add(part);
                }
                return type % 10 == 3 ? lines(parts, dim) : polygons(parts, dim);
            }
            default -> throw new IllegalArgumentException("shape type " + type);
        }
    }

    private static double[] readXY(ByteBuffer b, int n, int dim) {
        double[] c = new double[n * dim];
        if (dim == 2) { // x, y pairs as the file has them: one bulk copy
            b.asDoubleBuffer().get(c);
            b.position(b.position() + 16 * n);
            return c;
        }
        for (int i = 0; i < n; i++) {
            c[i * dim] = b.getDouble();
            c[i * dim + 1] = b.getDouble();
        }
        return c;
    }

    private static void readZ(ByteBuffer b, double[] c, int n) {
        b.position(b.position() + 16); // z range
        for (int i = 0; i < n; i++) {
            c[i * 3 + 2] = b.getDouble();
        }
    }

    private Geometry lines(List<double[]> parts, int dim) {
        LineString[] ls = new LineString[parts.size()];
        for (int i = 0; i < ls.length; i++) {
            ls[i] = factory2d.createLineString(new PackedCoordinateSequence.Double(parts.get(i), dim, 0));
        }
        return factory2d.createMultiLineString(ls);
    }

    /** Shells are clockwise rings, holes counter-clockwise; each hole goes to the shell that contains it. */
    private Geometry polygons(List<double[]> parts, int dim) {
        List<LinearRing> shells = new ArrayList<>();
        List<LinearRing> holes = new ArrayList<>();
        for (double[] part : parts) {
            LinearRing ring = ring(part, dim);
            if (ring == null) {
                continue;
            }
            if (isCCW(part, dim)) {
                holes.add(ring);
            } else {
                shells.add(ring);
            }
        }
        List<List<LinearRing>> holesOf = new ArrayList<>();
        for (int i = 0; i < shells.size(); i++) {
            holesOf.add(new ArrayList<>());
        }
        for (LinearRing hole : holes) {
            int owner = shells.size() == 1 ? 0 : -1;
            for (int i = 0; owner < 0 && i < shells.size(); i++) {
                LinearRing s = shells.get(i);
                if (s.getEnvelopeInternal().contains(hole.getEnvelopeInternal())
                        && PointLocation.isInRing(interiorVertex(hole, s), s.getCoordinates())) {
                    owner = i;
                }
            }
            if (owner >= 0) {
                holesOf.get(owner).add(hole);
            } else {
                // A hole in no shell: keep it as a polygon of its own rather than lose it (GDAL does the same).
                shells.add(hole);
                holesOf.add(new ArrayList<>());
            }
        }
        Polygon[] polys = new Polygon[shells.size()];
        for (int i = 0; i < polys.length; i++) {
            polys[i] = factory2d.createPolygon(shells.get(i), holesOf.get(i).toArray(LinearRing[]::new));
        }
        return factory2d.createMultiPolygon(polys);
    }

    /**
     * Whether a ring runs counter-clockwise: the turn at its highest vertex (between the nearest distinct neighbours),
     * by the robust orientation predicate; a flat turn there is counter-clockwise when the previous vertex lies right of
     * the next. The same rule as JTS's Orientation.isCCW, on the packed coordinates (that one makes a Coordinate object
     * per vertex, which was a fifth of reading a shapefile). The ring may be open (the file's last point unrepeated).
     */
    static boolean isCCW(double[] c, int dim) {
        int n = c.length / dim;
        if (n > 1 && c[0] == c[(n - 1) * dim] && c[1] == c[(n - 1) * dim + 1]) {
            n--; // the closing point repeats the first
        }
        if (n < 3) {
            return false;
        }
        int hi = 0;
        for (int i = 1; i < n; i++) {
            if (c[i * dim + 1] > c[hi * dim + 1]) {
                hi = i;
            }
        }
        double hx = c[hi * dim];
        double hy = c[hi * dim + 1];
        int prev = hi;
        do {
            prev = prev == 0 ? n - 1 : prev - 1;
        } while (prev != hi && c[prev * dim] == hx && c[prev * dim + 1] == hy);
        int next = hi;
        do {
            next = (next + 1) % n;
        } while (next != hi && c[next * dim] == hx && c[next * dim + 1] == hy);
        double px = c[prev * dim];
        double py = c[prev * dim + 1];
        double nx = c[next * dim];
        double ny = c[next * dim + 1];
        if ((px == hx && py == hy) || (nx == hx && ny == hy) || (px == nx && py == ny)) {
            return false; // fewer than 3 distinct points, or an A-B-A spike at the top
        }
        int turn = CGAlgorithmsDD.orientationIndex(px, py, hx, hy, nx, ny);
        return turn == 0 ? px > nx : turn > 0;
    }

    private static Coordinate interiorVertex(LinearRing hole, LinearRing shell) {
        // A hole vertex may touch the shell; any vertex not on it decides.
        for (int i = 0; i < hole.getNumPoints(); i++) {
            Coordinate c = hole.getCoordinateN(i);
            if (!PointLocation.isOnLine(c, shell.getCoordinates())) {
                return c;
            }
        }
        return hole.getCoordinateN(0);
    }

    /** A ring, closed if the file left it open; null for a degenerate ring of fewer than 3 distinct points. */
    private LinearRing ring(double[] c, int dim) {
        int n = c.length / dim;
        if (n == 0) {
            return null;
        }
        boolean closed = true;
        for (int d = 0; d < 2; d++) {
            closed &= c[d] == c[(n - 1) * dim + d];
        }
        if (!closed) {
            double[] cc = java.util.Arrays.copyOf(c, c.length + dim);
            System.arraycopy(c, 0, cc, c.length, dim);
            c = cc;
            n++;
        }
        if (n < 4) {
            return null;
        }
        return factory2d.createLinearRing(new PackedCoordinateSequence.Double(c, dim, 0));
    }

    /** The buffer positioned at file offset {@code at}, holding at least {@code length} bytes from there. */
    private ByteBuffer window(long at, int length) throws IOException {
        if (bufferStart < 0 || at < bufferStart || at + length > bufferStart + buffer.limit()) {
            if (buffer.capacity() < length) {
                buffer = ByteBuffer.allocate(Integer.highestOneBit(length) << 1);
            }
            buffer.clear().limit((int) Math.min(buffer.capacity(), fileLength - at));
            readFully(buffer, at);
            buffer.flip();
            bufferStart = at;
        }
        return buffer.position((int) (at - bufferStart));
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int r = channel.read(b, at);
            if (r < 0) {
                throw new EOFException();
            }
            at += r;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        if (shx != null) {
            shx.close();
        }
    }
}
