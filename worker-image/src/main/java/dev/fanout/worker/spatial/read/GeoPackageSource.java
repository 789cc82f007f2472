package dev.fanout.worker.spatial.read;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.pg.Identifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.impl.PackedCoordinateSequenceFactory;
import org.locationtech.jts.io.ParseException;
import org.locationtech.jts.io.WKBReader;

/**
 * A GeoPackage feature table read through sqlite-jdbc. The GeoPackage geometry blob (OGC 12-128r18, 2.1.3) is a small
 * header followed by standard WKB, which JTS reads; parsing that header is the only hand-written part.
 */
public final class GeoPackageSource implements FeatureSource {
    private final Connection db;
    private final Statement stmt;
    private final ResultSet rows;
    private final List<Column> columns = new ArrayList<>();
    private final GeometryFamily family;
    private final boolean hasZ;
    private final SourceCrs crs;
    private final String table;
    private final GeometryFactory factory = new GeometryFactory(new PackedCoordinateSequenceFactory(PackedCoordinateSequenceFactory.DOUBLE));
    private final PlainWkb plain = new PlainWkb(factory);
    private final WKBReader wkb = new WKBReader(factory);
    private final long fileSize;
    private final long featureCount;
    private long read;

    public GeoPackageSource(Path file, String layer) throws IOException {
        this.fileSize = Files.size(file);
        try {
            db = DriverManager.getConnection("jdbc:sqlite:file:" + file.toAbsolutePath() + "?mode=ro");
            List<String> layers = new ArrayList<>();
            try (ResultSet rs = db.createStatement().executeQuery(
                    "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")) {
                while (rs.next()) {
                    layers.add(rs.getString(1));
                }
            } catch (SQLException e) {
                throw WorkerException.badInput(file.getFileName() + " is not a GeoPackage (no gpkg_contents table): " + e.getMessage(), e);
            }
            if (layer == null) {
                if (layers.size() != 1) {
                    throw WorkerException.badInput(file.getFileName() + " holds " + layers.size() + " feature layers " + layers
                            + ": choose one with --layer");
                }
                layer = layers.get(0);
            } else if (!layers.contains(layer)) {
                throw WorkerException.badInput("layer '" + layer + "' is not in " + file.getFileName() + "; its layers are " + layers);
            }
            this.table = layer;
            String geomColumn;
            String typeName;
            int z;
            int srsId;
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT column_name, geometry_type_name, z, srs_id FROM gpkg_geometry_columns WHERE table_name = ?")) {
                ps.setString(1, layer);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw WorkerException.badInput("layer '" + layer + "' has no entry in gpkg_geometry_columns");
                    }
                    geomColumn = rs.getString(1);
                    typeName = rs.getString(2);
                    z = rs.getInt(3);
                    srsId = rs.getInt(4);
                }
            }
            this.family = GeometryFamily.ofTypeName(typeName);
            if (family == null) {
                throw WorkerException.badInput(unsupportedType("GeoPackage layer '" + layer + "'", typeName));
            }
            this.hasZ = z == 1;
            this.crs = srs(srsId);
            List<String> select = new ArrayList<>();
            select.add(Identifiers.quote(geomColumn));
            String pk = null;
            try (ResultSet rs = db.createStatement().executeQuery("PRAGMA table_info(" + Identifiers.quote(layer) + ")")) {
                while (rs.next()) {
                    String col = rs.getString("name");
                    if (col.equals(geomColumn)) {
                        continue;
                    }
                    if (rs.getInt("pk") == 1 && pk == null) {
                        pk = col; // the feature id: ours is assigned by the loader
                        continue;
                    }
                    columns.add(new Column(col, typeOf(rs.getString("type"))));
                    select.add(Identifiers.quote(col));
                }
            }
            try (ResultSet rs = db.createStatement().executeQuery("SELECT count(*) FROM " + Identifiers.quote(layer))) {
                featureCount = rs.next() ? rs.getLong(1) : 0;
            }
            stmt = db.createStatement();
            stmt.setFetchSize(1000);
            rows = stmt.executeQuery("SELECT " + String.join(", ", select) + " FROM " + Identifiers.quote(layer)
                    + (pk == null ? "" : " ORDER BY " + Identifiers.quote(pk)));
        } catch (SQLException e) {
            throw WorkerException.badInput("cannot read GeoPackage " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private SourceCrs srs(int srsId) throws SQLException {
        if (srsId == 0 || srsId == -1) {
            return null; // "undefined" geographic / cartesian systems
        }
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?")) {
            ps.setInt(1, srsId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String org = rs.getString(1);
                boolean epsg = org != null && org.equalsIgnoreCase("EPSG");
                String def = rs.getString(3);
                return new SourceCrs(epsg ? rs.getInt(2) : null, def == null || def.equalsIgnoreCase("undefined") ? null : def);
            }
        }
    }

    static ColumnType typeOf(String sqliteType) {
        String t = sqliteType == null ? "" : sqliteType.toUpperCase(Locale.ROOT);
        if (t.startsWith("TEXT") || t.startsWith("VARCHAR") || t.isEmpty()) {
            return ColumnType.TEXT;
        }
        return switch (t) {
            case "INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT" -> ColumnType.BIGINT;
            case "REAL", "DOUBLE", "FLOAT" -> ColumnType.DOUBLE;
            case "BOOLEAN" -> ColumnType.BOOLEAN;
            case "DATE" -> ColumnType.DATE;
            case "DATETIME" -> ColumnType.TIMESTAMPTZ;
            case "BLOB" -> ColumnType.BYTEA;
            default -> ColumnType.TEXT;
        };
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public GeometryFamily family() {
        return family;
    }

    @Override
    public boolean hasZ() {
        return hasZ;
    }

    @Override
    public SourceCrs crs() {
        return crs;
    }

    @Override
    public Feature next() throws IOException {
        try {
            if (!rows.next()) {
                return null;
            }
            read++;
            Geometry g = geometry(rows.getBytes(1));
            Object[] values = new Object[columns.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = value(i + 2, columns.get(i).type());
            }
            return new Feature(g, values);
        } catch (SQLException e) {
            throw WorkerException.badInput("GeoPackage layer " + table + ", feature " + read + ": " + e.getMessage(), e);
        }
    }

    private Object value(int col, ColumnType t) throws SQLException {
        Object v = rows.getObject(col);
        if (v == null) {
            return null;
        }
        return switch (t) {
            case BIGINT -> ((Number) v).longValue();
            case DOUBLE -> ((Number) v).doubleValue();
            case BOOLEAN -> v instanceof Number n ? n.intValue() != 0 : Boolean.parseBoolean(v.toString());
            case DATE -> java.time.LocalDate.parse(v.toString().substring(0, 10));
            case TIMESTAMPTZ -> java.time.OffsetDateTime.parse(v.toString().endsWith("Z") || v.toString().contains("+") ? v.toString() : v + "Z").toInstant();
            case BYTEA -> rows.getBytes(col);
            default -> v.toString();
        };
    }

    /** The curve and surface types of the GeoPackage spec's extension (Annex E) by WKB code; JTS has no model for them. */
    private static final Map<Integer, String> CURVE_TYPES = Map.of(8, "CIRCULARSTRING", 9, "COMPOUNDCURVE", 10, "CURVEPOLYGON",
            11, "MULTICURVE", 12, "MULTISURFACE", 13, "CURVE", 14, "SURFACE", 15, "POLYHEDRALSURFACE", 16, "TIN", 17, "TRIANGLE");

    /** The bad-input message for a geometry type the loader does not take, with what to do instead. */
    static String unsupportedType(String where, String typeName) {
        String t = String.valueOf(typeName).toUpperCase(Locale.ROOT);
        String base = t.replaceAll("\\s*(ZM|Z|M)$", "");
        if (CURVE_TYPES.containsValue(base)) {
            return where + ": geometry type " + t + " (a curve or surface type of the GeoPackage extension) is not supported; "
                    + "convert it to linear geometries first, e.g. ogr2ogr -nlt CONVERT_TO_LINEAR";
        }
        return where + ": geometry type " + t + " holds more than one kind of geometry and is not supported; each layer needs "
                + "one of POINT, LINESTRING, POLYGON or their MULTI forms (with Z allowed): split the layer by type, e.g. "
                + "ogr2ogr -nlt MULTIPOLYGON -where \"ST_GeometryType(geom) LIKE '%POLYGON'\"";
    }

    /** The curve type named by the WKB at offset (ISO codes with Z/M thousands, or EWKB flags), else null. */
    private static String curveType(byte[] blob, int offset) {
        if (blob.length < offset + 5) {
            return null;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(blob, offset + 1, 4)
                .order(blob[offset] == 1 ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        int code = b.getInt() & 0x0FFFFFFF; // without EWKB's Z/M/SRID flags
        String name = CURVE_TYPES.get(code % 1000);
        return name == null ? null : name + switch (code / 1000) {
            case 1 -> " Z";
            case 2 -> " M";
            case 3 -> " ZM";
            default -> "";
        };
    }

    /** GeoPackage binary: "GP", version, flags (envelope kind, empty, byte order), srs_id, envelope, then WKB. */
    Geometry geometry(byte[] blob) {
        if (blob == null) {
            return null;
        }
        if (blob.length < 8 || blob[0] != 'G' || blob[1] != 'P') {
            throw WorkerException.badInput("GeoPackage layer " + table + ": feature " + read + " has no GeoPackage geometry header");
        }
        int flags = blob[3];
        if ((flags & 0x20) != 0) {
            throw WorkerException.badInput("GeoPackage layer " + table + ": feature " + read + " is an extended GeoPackage "
                    + "geometry (a type outside the core spec): not supported; convert the layer to plain geometries first");
        }
        int envelope = (flags >> 1) & 0x7;
        int envBytes = switch (envelope) {
            case 0 -> 0;
            case 1 -> 32;
            case 2, 3 -> 48;
            case 4 -> 64;
            default -> throw WorkerException.badInput("GeoPackage layer " + table + ": bad envelope code " + envelope);
        };
        int offset = 8 + envBytes;
        if ((flags & 0x10) != 0) {
            return null; // empty geometry
        }
        String curve = curveType(blob, offset);
        if (curve != null) {
            throw WorkerException.badInput(unsupportedType("GeoPackage layer " + table + ": feature " + read, curve));
        }
        Geometry g = plain.read(blob, offset);
        if (g != null) {
            return g;
        }
        try {
            return wkb.read(java.util.Arrays.copyOfRange(blob, offset, blob.length));
        } catch (ParseException e) {
            throw WorkerException.badInput("GeoPackage layer " + table + ": feature " + read + " has corrupt WKB: " + e.getMessage(), e);
        }
    }

    @Override
    public long bytesRead() {
        return featureCount == 0 ? fileSize : fileSize * read / featureCount;
    }

    @Override
    public void close() throws IOException {
        try {
            rows.close();
            stmt.close();
            db.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
