package dev.fanout.worker.spatial.read;

import com.linuxense.javadbf.DBFCharsetHelper;
import com.linuxense.javadbf.DBFException;
import com.linuxense.javadbf.DBFField;
import com.linuxense.javadbf.DBFReader;
import dev.fanout.worker.WorkerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.locationtech.jts.geom.Geometry;

/**
 * A shapefile layer: geometries from the .shp ({@link ShpGeometryReader}), attributes from the .dbf (its header through
 * JavaDBF, its records through {@link DbfRecords} where they are of the usual kinds, else JavaDBF), the CRS from the .prj,
 * the text encoding from the .cpg or else the DBF language-driver byte. A record marked deleted in the .dbf is skipped with
 * its shape, as ogr2ogr does.
 */
public final class ShapefileSource implements FeatureSource {
    private final ShpGeometryReader shp;
    private final DBFReader dbf;
    private final InputStream dbfStream;
    private final DbfRecords records; // null: JavaDBF reads the records
    private final List<Column> columns = new ArrayList<>();
    private final ColumnType[] types;
    private final SourceCrs crs;
    private final String name;
    private final long dbfRecords;
    private long read;
    private final long dbfBytesPerRecord;

    /** @param javaDbfRecords read the records through JavaDBF even where {@link DbfRecords} could (for comparing them) */
    ShapefileSource(Path shpFile, Charset encodingOverride, boolean javaDbfRecords) throws IOException {
        this.name = shpFile.getFileName().toString();
        Path dbfFile = sibling(shpFile, "dbf");
        if (dbfFile == null) {
            throw WorkerException.badInput(name + " has no .dbf next to it: a shapefile needs its .shp, .dbf (and .prj)");
        }
        this.shp = new ShpGeometryReader(shpFile, sibling(shpFile, "shx"));
        Path prj = sibling(shpFile, "prj");
        this.crs = prj == null ? null : SourceCrs.wkt(Files.readString(prj, StandardCharsets.ISO_8859_1).strip());
        Charset charset = encodingOverride != null ? encodingOverride : dbfCharset(shpFile, dbfFile);
        this.dbfStream = new BufferedInputStream(Files.newInputStream(dbfFile), 1 << 16);
        try {
            this.dbf = new DBFReader(dbfStream, charset, true); // deleted records too: their shapes are skipped with them
        } catch (DBFException e) {
            throw WorkerException.badInput(dbfFile.getFileName() + " is not a readable DBF file: " + e.getMessage(), e);
        }
        dbf.setTrimRightSpaces(true);
        this.dbfRecords = dbf.getRecordCount();
        // Showing deleted records, JavaDBF lists a field of its own first ("deleted") and gives its value first.
        this.types = new ColumnType[dbf.getFieldCount() - 1];
        long recLen = 1;
        List<DBFField> fields = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            DBFField f = dbf.getField(i + 1);
            fields.add(f);
            types[i] = typeOf(f);
            recLen += f.getLength();
            columns.add(new Column(f.getName(), types[i]));
        }
        this.dbfBytesPerRecord = recLen;
        this.records = javaDbfRecords ? null : DbfRecords.open(dbfFile, fields, types, charset);
    }

    public ShapefileSource(Path shpFile, Charset encodingOverride) throws IOException {
        this(shpFile, encodingOverride, false);
    }

    /** Whether the records are read by {@link DbfRecords} (else by JavaDBF). */
    boolean readsRecordsItself() {
        return records != null;
    }

    /** The .cpg names the encoding; without one, the DBF header's language-driver byte does; ISO-8859-1 as the last resort. */
    static Charset dbfCharset(Path shp, Path dbf) throws IOException {
        Path cpg = sibling(shp, "cpg");
        if (cpg != null) {
            String cp = Files.readString(cpg, StandardCharsets.ISO_8859_1).strip();
            Charset c = charsetFromCpg(cp);
            if (c != null) {
                return c;
            }
        }
        try (InputStream in = Files.newInputStream(dbf)) {
            byte[] h = in.readNBytes(32);
            if (h.length == 32 && h[29] != 0) {
                Charset c = DBFCharsetHelper.getCharsetByByte(h[29] & 0xff);
                if (c != null) {
                    return c;
                }
            }
        }
        return StandardCharsets.ISO_8859_1;
    }

    static Charset charsetFromCpg(String cp) {
        String c = cp.toUpperCase(Locale.ROOT).replace("ANSI ", "").trim();
        if (c.matches("\\d{3,5}")) {
            c = (c.length() == 4 && c.startsWith("125") ? "windows-" : c.startsWith("8859") ? "ISO-8859-" : "CP") + (c.startsWith("8859") ? c.substring(4) : c);
        }
        try {
            return Charset.forName(c);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static Path sibling(Path shp, String ext) {
        String base = shp.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        for (String e : new String[] {ext, ext.toUpperCase(Locale.ROOT)}) {
            Path p = shp.resolveSibling(base + "." + e);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static ColumnType typeOf(DBFField f) {
        return switch (f.getType()) {
            case NUMERIC, FLOATING_POINT -> f.getDecimalCount() > 0 ? ColumnType.NUMERIC
                    : f.getLength() < 10 ? ColumnType.INTEGER : f.getLength() < 19 ? ColumnType.BIGINT : ColumnType.NUMERIC;
            case LONG, AUTOINCREMENT -> ColumnType.INTEGER;
            case DOUBLE, CURRENCY -> ColumnType.DOUBLE;
            case DATE -> ColumnType.DATE;
            case TIMESTAMP, TIMESTAMP_DBASE7 -> ColumnType.TIMESTAMPTZ;
            case LOGICAL -> ColumnType.BOOLEAN;
            default -> ColumnType.TEXT;
        };
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public GeometryFamily family() {
        GeometryFamily f = ShpGeometryReader.family(shp.shapeType);
        return f == null ? GeometryFamily.POLYGON : f;
    }

    @Override
    public boolean hasZ() {
        return shp.hasZ;
    }

    @Override
    public SourceCrs crs() {
        return crs;
    }

    @Override
    public Feature next() throws IOException {
        while (true) {
            Geometry g = shp.next();
            if (g == ShpGeometryReader.END) {
                if (read < dbfRecords) {
                    throw WorkerException.badInput(name + " is corrupt: the .shp ends after " + read + " records, the .dbf holds " + dbfRecords);
                }
                return null;
            }
            if (read >= dbfRecords) {
                throw moreShapesThanRecords();
            }
            Object[] values = new Object[types.length];
            boolean deleted = records != null ? nextRecord(values) : nextJavaDbfRecord(values);
            read++;
            if (!deleted) {
                return new Feature(g, values);
            }
        }
    }

    /** Fills values from the next .dbf record; whether it is marked deleted. */
    private boolean nextRecord(Object[] values) throws IOException {
        DbfRecords.Record r = records.next(values, read + 1);
        if (r == DbfRecords.Record.END) {
            throw moreShapesThanRecords();
        }
        return r == DbfRecords.Record.DELETED;
    }

    private boolean nextJavaDbfRecord(Object[] values) {
        Object[] raw;
        try {
            raw = dbf.nextRecord(); // the deleted flag, then the fields
        } catch (DBFException e) {
            throw WorkerException.badInput(name + ": .dbf record " + (read + 1) + " cannot be read: " + e.getMessage(), e);
        }
        if (raw == null) {
            throw moreShapesThanRecords();
        }
        for (int i = 0; i < types.length; i++) {
            values[i] = convert(raw[i + 1], types[i]);
        }
        return Boolean.TRUE.equals(raw[0]);
    }

    private WorkerException moreShapesThanRecords() {
        return WorkerException.badInput(name + " is corrupt: the .shp holds more records than the .dbf (" + dbfRecords + ")");
    }

    private static Object convert(Object v, ColumnType t) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            // Natural Earth 5.x pads text with NUL bytes, not spaces.
            int end = s.length();
            while (end > 0 && (s.charAt(end - 1) == '\0' || s.charAt(end - 1) == ' ')) {
                end--;
            }
            s = s.substring(0, end);
            return t == ColumnType.TEXT ? s : s.isEmpty() ? null : s;
        }
        return switch (t) {
            case INTEGER -> ((Number) v).intValue();
            case BIGINT -> ((Number) v).longValue();
            case NUMERIC -> v instanceof BigDecimal b ? b : new BigDecimal(v.toString());
            case DOUBLE -> ((Number) v).doubleValue();
            case DATE -> v instanceof java.util.Date d ? d.toInstant().atZone(java.time.ZoneId.systemDefault()).toLocalDate() : null;
            case TIMESTAMPTZ -> v instanceof java.util.Date d ? d.toInstant() : null;
            case BOOLEAN -> v instanceof Boolean b ? b : null;
            default -> v.toString();
        };
    }

    @Override
    public long bytesRead() {
        return shp.position() + read * dbfBytesPerRecord;
    }

    @Override
    public void close() throws IOException {
        shp.close();
        if (records != null) {
            records.close();
        }
        dbf.close();
        dbfStream.close();
    }
}
