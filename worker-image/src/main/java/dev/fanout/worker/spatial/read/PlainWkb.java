package dev.fanout.worker.spatial.read;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.impl.PackedCoordinateSequence;

/**
 * Reads the WKB almost every polygon and line layer holds (2D LineString, Polygon, MultiLineString, MultiPolygon, rings
 * closed) straight from the bytes into packed coordinate arrays: JTS's WKBReader reads it a double at a time through a
 * stream, and that was most of a GeoPackage layer's read time. Anything else (points, collections, Z or M, an SRID, an
 * unclosed ring or a one-point line that JTS would repair, an unknown byte order, counts past the end) is not read here:
 * {@link #read} returns null and the caller uses WKBReader, so the geometries are exactly those WKBReader makes (tested
 * against it).
 */
final class PlainWkb {
    private static final int LINESTRING = 2;
    private static final int POLYGON = 3;
    private static final int MULTILINESTRING = 5;
    private static final int MULTIPOLYGON = 6;

    private final GeometryFactory factory;
    private ByteBuffer buf;

    PlainWkb(GeometryFactory factory) {
        this.factory = factory;
    }

    /** The geometry of the WKB from offset to the end of bytes, or null when it is not the plain case. */
    Geometry read(byte[] bytes, int offset) {
        buf = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        try {
            int type = header();
            return switch (type) {
                case LINESTRING -> line();
                case POLYGON -> polygon();
                case MULTILINESTRING -> multiLine();
                case MULTIPOLYGON -> multiPolygon();
                default -> null;
            };
        } catch (NotPlain e) {
            return null;
        }
    }

    /** Byte order and type of a (part) geometry: only the plain 2D codes, no EWKB flags or ISO Z/M ranges. */
    private int header() {
        need(5);
        byte order = buf.get();
        if (order == 1) {
            buf.order(ByteOrder.LITTLE_ENDIAN);
        } else if (order == 0) {
            buf.order(ByteOrder.BIG_ENDIAN);
        } else {
            throw NotPlain.INSTANCE;
        }
        return buf.getInt();
    }

    private Geometry multiLine() {
        return factory.createMultiLineString(parts(LINESTRING, LineString[]::new, this::line));
    }

    private Geometry multiPolygon() {
        return factory.createMultiPolygon(parts(POLYGON, Polygon[]::new, this::polygon));
    }

    /** The parts of a multi geometry, each of the plain type {@code type}. */
    private <T extends Geometry> T[] parts(int type, IntFunction<T[]> array, Supplier<T> part) {
        T[] parts = array.apply(count(9));
        for (int i = 0; i < parts.length; i++) {
            if (header() != type) {
                throw NotPlain.INSTANCE;
            }
            parts[i] = part.get();
        }
        return parts;
    }

    private LineString line() {
        double[] xy = coordinates(count(16));
        if (xy.length == 2) {
            throw NotPlain.INSTANCE; // JTS extends a one-point line
        }
        return factory.createLineString(new PackedCoordinateSequence.Double(xy, 2, 0));
    }

    private Polygon polygon() {
        int rings = count(4);
        if (rings == 0) {
            return factory.createPolygon();
        }
        LinearRing shell = ring();
        LinearRing[] holes = new LinearRing[rings - 1];
        for (int i = 0; i < holes.length; i++) {
            holes[i] = ring();
        }
        return factory.createPolygon(shell, holes);
    }

    private LinearRing ring() {
        double[] xy = coordinates(count(16));
        int n = xy.length;
        // JTS repairs rings that are empty, short or open (CoordinateSequences.ensureValidRing): leave those to it
        if (n < 8 || Double.compare(xy[0], xy[n - 2]) != 0 || Double.compare(xy[1], xy[n - 1]) != 0) {
            throw NotPlain.INSTANCE;
        }
        return factory.createLinearRing(new PackedCoordinateSequence.Double(xy, 2, 0));
    }

    private double[] coordinates(int points) {
        double[] xy = new double[points * 2];
        buf.asDoubleBuffer().get(xy); // in the buffer's byte order
        buf.position(buf.position() + xy.length * Double.BYTES);
        return xy;
    }

    /** A count of items of at least minBytes each that the bytes left can hold. */
    private int count(int minBytes) {
        need(4);
        int n = buf.getInt();
        if (n < 0 || n > buf.remaining() / minBytes) {
            throw NotPlain.INSTANCE; // WKBReader says what is wrong with it
        }
        return n;
    }

    private void need(int bytes) {
        if (buf.remaining() < bytes) {
            throw NotPlain.INSTANCE;
        }
    }

    /** Not the plain case: the caller reads it with WKBReader (which also reports corrupt WKB). */
    private static final class NotPlain extends RuntimeException {
        static final NotPlain INSTANCE = new NotPlain();

        private NotPlain() {
            super(null, null, false, false);
        }
    }
}
