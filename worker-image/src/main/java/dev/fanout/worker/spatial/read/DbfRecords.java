package dev.fanout.worker.spatial.read;

import com.linuxense.javadbf.DBFDataType;
import com.linuxense.javadbf.DBFField;
import dev.fanout.worker.WorkerException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

/**
 * The records of a dBase III table whose fields are all of the kinds shapefiles use (C, N, F, D, L), decoded straight
 * from their bytes into the layer's column types. JavaDBF reads the header (the field list); its record reading made a
 * String, a byte array or a Calendar per field and a BigDecimal from text per number, a fifth of a light load's CPU.
 * Values are JavaDBF's (then {@link ShapefileSource}'s conversion), except that dates which are not real dates (blank,
 * 00000000, month 13) are null instead of rolled over by a lenient calendar. Any other table is read through JavaDBF.
 */
final class DbfRecords implements Closeable {
    /** What {@link #next} found. */
    enum Record { VALUES, DELETED, END }

    private final InputStream in;
    private final byte[] record;
    private final int[] offsets;
    private final int[] lengths;
    private final ColumnType[] types;
    private final char[] kinds;
    private final Charset charset;
    private final char[] number = new char[32];
    private final String file;
    private final String[] names;

    private DbfRecords(Path dbf, InputStream in, int recordLength, List<DBFField> fields, ColumnType[] types, Charset charset) {
        this.file = dbf.getFileName().toString();
        this.in = in;
        this.record = new byte[recordLength];
        this.offsets = new int[fields.size()];
        this.lengths = new int[fields.size()];
        this.kinds = new char[fields.size()];
        this.names = fields.stream().map(DBFField::getName).toArray(String[]::new);
        this.types = types;
        this.charset = charset;
        int at = 1; // after the deletion flag
        for (int i = 0; i < fields.size(); i++) {
            offsets[i] = at;
            lengths[i] = fields.get(i).getLength();
            kinds[i] = (char) fields.get(i).getType().getCode();
            at += lengths[i];
        }
    }

    /**
     * A reader of the table's records, or null when this one needs JavaDBF: another dBase version, field kinds other
     * than C/N/F/D/L, a text encoding in which a space is not the byte 0x20 or a character may span it, or fields that
     * do not fit the header's record length.
     */
    static DbfRecords open(Path dbf, List<DBFField> fields, ColumnType[] types, Charset charset) throws IOException {
        byte[] h;
        try (InputStream head = Files.newInputStream(dbf)) {
            h = head.readNBytes(12);
        }
        if (h.length < 12 || (h[0] & 0x07) != 0x03 || !asciiCompatible(charset)) {
            return null;
        }
        int headerLength = (h[8] & 0xff) | (h[9] & 0xff) << 8;
        int recordLength = (h[10] & 0xff) | (h[11] & 0xff) << 8;
        int used = 1;
        for (DBFField f : fields) {
            DBFDataType t = f.getType();
            if (t != DBFDataType.CHARACTER && t != DBFDataType.NUMERIC && t != DBFDataType.FLOATING_POINT && t != DBFDataType.DATE
                    && t != DBFDataType.LOGICAL || f.getLength() <= 0) {
                return null;
            }
            used += f.getLength();
        }
        if (used > recordLength) {
            return null;
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(dbf), 1 << 16);
        try {
            in.skipNBytes(headerLength);
        } catch (IOException e) {
            in.close();
            return null;
        }
        return new DbfRecords(dbf, in, recordLength, fields, types, charset);
    }

    private static boolean asciiCompatible(Charset c) {
        return c.equals(StandardCharsets.UTF_8)
                || c.newEncoder().maxBytesPerChar() == 1.0f && Arrays.equals(" 0.A".getBytes(c), new byte[] {' ', '0', '.', 'A'});
    }

    /**
     * Reads the next record's values into {@code values} (in the field order); a deleted record's values are not decoded.
     *
     * @param n the record's number, for messages
     */
    Record next(Object[] values, long n) throws IOException {
        int first = in.read();
        if (first < 0 || first == 0x1a) {
            return Record.END;
        }
        record[0] = (byte) first;
        int got = in.readNBytes(record, 1, record.length - 1);
        if (got < record.length - 1) {
            throw WorkerException.badInput(file + ": record " + n + " is cut short: the file ends inside it");
        }
        if (first == '*') {
            return Record.DELETED;
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (kinds[i]) {
                case 'C' -> text(offsets[i], lengths[i]);
                case 'D' -> date(offsets[i], lengths[i]);
                case 'L' -> logical(record[offsets[i]]);
                default -> number(offsets[i], lengths[i], types[i], n, i);
            };
        }
        return Record.VALUES;
    }

    /** Text without its right padding (spaces; Natural Earth 5.x pads with NUL bytes). */
    private String text(int at, int len) {
        int end = at + len;
        while (end > at && (record[end - 1] == ' ' || record[end - 1] == 0)) {
            end--;
        }
        return new String(record, at, end - at, charset);
    }

    private static Boolean logical(byte b) {
        return switch (b) {
            case 'Y', 'y', 'T', 't' -> Boolean.TRUE;
            case 'N', 'n', 'F', 'f' -> Boolean.FALSE;
            default -> null;
        };
    }

    /** YYYYMMDD; anything that is not a real date (blank, zeros, out of range) is null. */
    private LocalDate date(int at, int len) {
        if (len < 8) {
            return null;
        }
        int v = 0;
        for (int k = at; k < at + 8; k++) {
            int d = record[k] - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            v = v * 10 + d;
        }
        try {
            return LocalDate.of(v / 10000, v / 100 % 100, v % 100);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /**
     * A number stored as text, as JavaDBF reads it: spaces and NUL bytes dropped wherever they are; nothing left, a
     * '?' or '*', or a byte outside printable ASCII is null; a comma is a decimal point. Plain decimals of up to 18
     * digits are parsed here, anything else (exponents, longer numbers) by BigDecimal; text that is no number is bad input.
     */
    private Object number(int at, int len, ColumnType type, long n, int field) {
        int m = 0;
        for (int k = at; k < at + len; k++) {
            byte b = record[k];
            if (b == ' ' || b == 0) {
                continue;
            }
            if (b < 0x20 || b == '?' || b == '*') { // b < 0x20 also holds every byte >= 0x80 (signed)
                return null;
            }
            if (m == number.length) {
                return exotic(new String(record, at, len, StandardCharsets.US_ASCII).replace(" ", "").replace("\0", ""), type, n, field);
            }
            number[m++] = b == ',' ? '.' : (char) b;
        }
        if (m == 0) {
            return null;
        }
        if (m == 1 && number[0] == '.') {
            return convert(BigDecimal.ZERO, type);
        }
        int k = 0;
        boolean negative = number[0] == '-';
        if (negative || number[0] == '+') {
            k++;
        }
        long unscaled = 0;
        int digits = 0;
        boolean anyDigit = false;
        int scale = -1;
        for (; k < m; k++) {
            char c = number[k];
            if (c == '.' && scale < 0) {
                scale = 0;
            } else if (c >= '0' && c <= '9' && digits < 18) {
                unscaled = unscaled * 10 + (c - '0');
                digits += unscaled == 0 ? 0 : 1; // leading zeros do not count
                anyDigit = true;
                if (scale >= 0) {
                    scale++;
                }
            } else {
                return exotic(new String(number, 0, m), type, n, field);
            }
        }
        if (!anyDigit) {
            return exotic(new String(number, 0, m), type, n, field); // "-", "+.": not numbers
        }
        scale = Math.max(scale, 0);
        long signed = negative ? -unscaled : unscaled;
        if (scale == 0 && type == ColumnType.INTEGER) {
            return (int) signed;
        }
        if (scale == 0 && type == ColumnType.BIGINT) {
            return signed;
        }
        return convert(BigDecimal.valueOf(signed, scale), type);
    }

    private Object exotic(String s, ColumnType type, long n, int field) {
        try {
            return convert(new BigDecimal(s), type);
        } catch (NumberFormatException e) {
            throw WorkerException.badInput(file + ": record " + n + ", field " + names[field] + " holds '" + s
                    + "', which is not a number: correct the value, or leave the field out with --select");
        }
    }

    private static Object convert(BigDecimal v, ColumnType type) {
        return switch (type) {
            case INTEGER -> v.intValue();
            case BIGINT -> v.longValue();
            default -> v;
        };
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
