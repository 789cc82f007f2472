package dev.fanout.worker.pg;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import org.locationtech.jts.geom.CoordinateSequence;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.impl.PackedCoordinateSequence;

/**
 * Encodes rows in PostgreSQL's binary COPY format (protocol docs, "COPY ... Binary Format") into a growable buffer;
 * geometries as big-endian EWKB, which PostGIS's geometry_recv takes. Written by hand because pgjdbc has no binary COPY
 * encoder and going through WKBWriter would copy every geometry twice.
 */
public final class CopyBinaryWriter {
    public static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
    public static final byte[] TRAILER = {(byte) 0xff, (byte) 0xff};
    private static final LocalDate PG_EPOCH = LocalDate.of(2000, 1, 1);
    private static final Instant PG_EPOCH_INSTANT = Instant.parse("2000-01-01T00:00:00Z");
    private static final int EWKB_Z = 0x80000000;
    private static final int EWKB_SRID = 0x20000000;

    private byte[] buf;
    private int len;

    public CopyBinaryWriter(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    public int size() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    public void reset() {
        len = 0;
    }

    public void startRow(int fields) {
        putShort(fields);
    }

    public void putNull() {
        putInt(-1);
    }

    public void putBigint(long v) {
        putInt(8);
        putLong(v);
    }

    public void putInteger(int v) {
        putInt(4);
        putInt(v);
    }

    public void putDouble(double v) {
        putInt(8);
        putLong(Double.doubleToRawLongBits(v));
    }

    public void putBoolean(boolean v) {
        putInt(1);
        ensure(1);
        buf[len++] = (byte) (v ? 1 : 0);
    }

    public void putText(String s) {
        putBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public void putBytes(byte[] b) {
        putInt(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    public void putJsonb(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        putInt(b.length + 1);
        ensure(b.length + 1);
        buf[len++] = 1; // jsonb binary format version
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    public void putDate(LocalDate d) {
        putInt(4);
        putInt((int) ChronoUnit.DAYS.between(PG_EPOCH, d));
    }

    public void putTimestamptz(Instant t) {
        putInt(8);
        putLong(ChronoUnit.MICROS.between(PG_EPOCH_INSTANT, t));
    }

    /** numeric: ndigits, weight, sign, dscale, then base-10000 digits. */
    public void putNumeric(BigDecimal v) {
        if (!putSmallNumeric(v)) {
            putNumericFromText(v);
        }
    }

    /**
     * A numeric of at most 18 digits once its fraction is padded to whole base-10000 digits (DBF decimals), from its
     * unscaled long: the value times 10^(scale rounded up to a multiple of 4), cut into base-10000 digits. The text path
     * made several Strings per value, a tenth of a light load's CPU. False, writing nothing, for any other value.
     */
    boolean putSmallNumeric(BigDecimal v) {
        int scale = v.scale();
        int fracGroups = (scale + 3) / 4;
        if (scale < 0 || v.precision() + fracGroups * 4 - scale > 18) {
            return false;
        }
        long abs = Math.abs(v.unscaledValue().longValue());
        for (int k = scale; k < fracGroups * 4; k++) {
            abs *= 10; // at most 18 digits in all: fits a long
        }
        short[] groups = new short[6];
        int n = 0;
        for (long a = abs; a != 0; a /= 10000) {
            groups[n++] = (short) (a % 10000); // least significant first
        }
        int trailing = 0;
        while (trailing < n && groups[trailing] == 0) {
            trailing++;
        }
        int weight = n == 0 ? 0 : n - 1 - fracGroups;
        int ndigits = n - trailing;
        putInt(8 + 2 * ndigits);
        putShort(ndigits);
        putShort(weight);
        putShort(ndigits == 0 || v.signum() >= 0 ? 0 : 0x4000);
        putShort(scale);
        for (int i = n - 1; i >= trailing; i--) {
            putShort(groups[i]);
        }
        return true;
    }

    /** numeric: ndigits, weight, sign, dscale, then base-10000 digits; from the decimal text, for numbers of any size. */
    void putNumericFromText(BigDecimal v) {
        String plain = v.abs().toPlainString();
        int dot = plain.indexOf('.');
        String intPart = dot < 0 ? plain : plain.substring(0, dot);
        String frac = dot < 0 ? "" : plain.substring(dot + 1);
        int dscale = frac.length();
        intPart = "0".repeat((4 - intPart.length() % 4) % 4) + intPart;
        frac = frac + "0".repeat((4 - frac.length() % 4) % 4);
        int intGroups = intPart.length() / 4;
        short[] digits = new short[intGroups + frac.length() / 4];
        String all = intPart + frac;
        for (int i = 0; i < digits.length; i++) {
            digits[i] = Short.parseShort(all.substring(i * 4, i * 4 + 4));
        }
        int first = 0;
        while (first < digits.length && digits[first] == 0) {
            first++;
        }
        int last = digits.length - 1;
        while (last >= first && digits[last] == 0) {
            last--;
        }
        int n = last < first ? 0 : last - first + 1;
        int weight = n == 0 ? 0 : intGroups - 1 - first;
        putInt(8 + 2 * n);
        putShort(n);
        putShort(weight);
        putShort(n == 0 || v.signum() >= 0 ? 0 : 0x4000);
        putShort(dscale);
        for (int i = 0; i < n; i++) {
            putShort(digits[first + i]);
        }
    }

    /** The geometry as EWKB with SRID (XDR), its length filled in afterwards. */
    public void putGeometry(Geometry g, int srid, boolean z) {
        int lenAt = len;
        putInt(0);
        writeGeometry(g, srid, z, true);
        int n = len - lenAt - 4;
        buf[lenAt] = (byte) (n >>> 24);
        buf[lenAt + 1] = (byte) (n >>> 16);
        buf[lenAt + 2] = (byte) (n >>> 8);
        buf[lenAt + 3] = (byte) n;
    }

    private void writeGeometry(Geometry g, int srid, boolean z, boolean top) {
        int type = switch (g.getGeometryType()) {
            case Geometry.TYPENAME_POINT -> 1;
            case Geometry.TYPENAME_LINESTRING, Geometry.TYPENAME_LINEARRING -> 2;
            case Geometry.TYPENAME_POLYGON -> 3;
            case Geometry.TYPENAME_MULTIPOINT -> 4;
            case Geometry.TYPENAME_MULTILINESTRING -> 5;
            case Geometry.TYPENAME_MULTIPOLYGON -> 6;
            default -> 7;
        };
        ensure(9);
        buf[len++] = 0; // XDR, big-endian
        putInt(type | (z ? EWKB_Z : 0) | (top ? EWKB_SRID : 0));
        if (top) {
            putInt(srid);
        }
        switch (g) {
            case Point p -> {
                if (p.isEmpty()) {
                    putDoubleRaw(Double.NaN);
                    putDoubleRaw(Double.NaN);
                    if (z) {
                        putDoubleRaw(Double.NaN);
                    }
                } else {
                    writeCoordinates(p.getCoordinateSequence(), z, false);
                }
            }
            case LineString l -> writeCoordinates(l.getCoordinateSequence(), z, true);
            case Polygon p -> {
                if (p.isEmpty()) {
                    putInt(0);
                    return;
                }
                putInt(1 + p.getNumInteriorRing());
                writeCoordinates(p.getExteriorRing().getCoordinateSequence(), z, true);
                for (int i = 0; i < p.getNumInteriorRing(); i++) {
                    writeCoordinates(p.getInteriorRingN(i).getCoordinateSequence(), z, true);
                }
            }
            default -> {
                putInt(g.getNumGeometries());
                for (int i = 0; i < g.getNumGeometries(); i++) {
                    writeGeometry(g.getGeometryN(i), srid, z, false);
                }
            }
        }
    }

    private void writeCoordinates(CoordinateSequence seq, boolean z, boolean withCount) {
        int n = seq.size();
        int dims = z ? 3 : 2;
        ensure(4 + n * dims * 8);
        if (withCount) {
            putInt(n);
        }
        if (!z && seq instanceof PackedCoordinateSequence.Double packed && packed.getDimension() == 2) {
            // What the readers make: x, y pairs in one array, copied as they lie (byte-swapped in bulk, even without C2).
            ByteBuffer.wrap(buf, len, 16 * n).order(ByteOrder.BIG_ENDIAN).asDoubleBuffer().put(packed.getRawCoordinates(), 0, 2 * n);
            len += 16 * n;
            return;
        }
        boolean seqHasZ = seq.hasZ();
        for (int i = 0; i < n; i++) {
            putDoubleRaw(seq.getX(i));
            putDoubleRaw(seq.getY(i));
            if (z) {
                putDoubleRaw(seqHasZ ? seq.getZ(i) : 0.0);
            }
        }
    }

    private void putDoubleRaw(double d) {
        putLong(Double.doubleToRawLongBits(d));
    }

    private void putShort(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void putInt(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void putLong(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[len++] = (byte) (v >>> s);
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
