package dev.fanout.worker.spatial.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.worker.WorkerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.geom.Polygon;

/**
 * A GeoJSON FeatureCollection, streamed with Jackson: one feature in memory at a time. Two passes over the file: the first
 * infers the property columns and the geometry family (GeoJSON declares neither), the second reads. The geometry
 * conversion is ours: JTS's GeoJSON reader wants the whole document as one string and a second JSON library.
 * CRS: RFC 7946 CRS84 unless a legacy "crs" member names an EPSG code.
 */
public final class GeoJsonSource implements FeatureSource {
    private static final Pattern EPSG = Pattern.compile("EPSG:{1,2}(?:[\\d.]*:)?(\\d+)$");
    private static final JsonFactory JSON = new JsonFactory();
    private final ObjectMapper mapper = new ObjectMapper(JSON);
    private final Path file;
    private final List<Column> columns = new ArrayList<>();
    private GeometryFamily family;
    private boolean hasZ;
    private SourceCrs crs = SourceCrs.epsg(4326);
    private final InputStream in;
    private final JsonParser parser;
    private final GeometryFactory gf = new GeometryFactory();
    private final String name;

    public GeoJsonSource(Path file) throws IOException {
        this.file = file;
        this.name = file.getFileName().toString();
        inferSchema();
        this.in = Files.newInputStream(file);
        this.parser = JSON.createParser(in);
        seekFeatures(parser);
    }

    /** Leaves the parser on the START_ARRAY of the top-level "features"; reads "crs" on the way if it comes first. */
    private void seekFeatures(JsonParser p) throws IOException {
        try {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw WorkerException.badInput(name + " is not a GeoJSON FeatureCollection (no top-level object)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("features")) {
                    if (p.currentToken() != JsonToken.START_ARRAY) {
                        throw WorkerException.badInput(name + ": \"features\" is not an array");
                    }
                    return;
                }
                if (field.equals("crs")) {
                    crs = crsOf(mapper.readTree(p));
                } else {
                    p.skipChildren();
                }
            }
            throw WorkerException.badInput(name + " is not a GeoJSON FeatureCollection (no \"features\" array)");
        } catch (JsonParseException e) {
            throw WorkerException.badInput(name + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private SourceCrs crsOf(JsonNode crsNode) {
        String n = crsNode.path("properties").path("name").asText("");
        if (n.endsWith("CRS84") || n.isEmpty()) {
            return SourceCrs.epsg(4326);
        }
        Matcher m = EPSG.matcher(n);
        if (m.find()) {
            return SourceCrs.epsg(Integer.parseInt(m.group(1)));
        }
        throw WorkerException.badInput(name + ": CRS '" + n + "' is not understood; give the source SRID with --source-srid");
    }

    private void inferSchema() throws IOException {
        Map<String, ColumnType> types = new LinkedHashMap<>();
        try (InputStream s = Files.newInputStream(file); JsonParser p = JSON.createParser(s)) {
            seekFeatures(p);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                JsonNode f = mapper.readTree(p);
                JsonNode props = f.path("properties");
                for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext();) {
                    var e = it.next();
                    // null values tell nothing about the type (and HashMap.merge cannot hold them)
                    types.put(e.getKey(), widen(types.get(e.getKey()), typeOf(e.getValue())));
                }
                JsonNode g = f.path("geometry");
                if (g.isObject()) {
                    GeometryFamily fam = GeometryFamily.ofTypeName(g.path("type").asText(""));
                    if (fam == null) {
                        throw WorkerException.badInput(name + ": geometry type '" + g.path("type").asText() + "' is not supported "
                                + "(Point, LineString, Polygon and their Multi* forms are)");
                    }
                    if (family != null && fam != family) {
                        throw WorkerException.badInput(name + " mixes " + family + " and " + fam + " geometries: one layer "
                                + "loads into one typed column; split the file by geometry type");
                    }
                    family = fam;
                    hasZ |= firstPosition(g.path("coordinates")).size() > 2;
                }
            }
        } catch (JsonParseException e) {
            throw WorkerException.badInput(name + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (family == null) {
            family = GeometryFamily.POINT;
        }
        types.forEach((k, t) -> columns.add(new Column(k, t == null ? ColumnType.TEXT : t)));
    }

    private static JsonNode firstPosition(JsonNode coords) {
        JsonNode n = coords;
        while (n.isArray() && n.size() > 0 && n.get(0).isArray()) {
            n = n.get(0);
        }
        return n;
    }

    private static ColumnType typeOf(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return ColumnType.BOOLEAN;
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? ColumnType.BIGINT : ColumnType.NUMERIC;
        }
        if (v.isNumber()) {
            return ColumnType.DOUBLE;
        }
        if (v.isContainerNode()) {
            return ColumnType.JSONB;
        }
        return ColumnType.TEXT;
    }

    private static ColumnType widen(ColumnType a, ColumnType b) {
        if (a == null) {
            return b;
        }
        if (b == null || a == b) {
            return a;
        }
        if ((a == ColumnType.BIGINT && b == ColumnType.DOUBLE) || (a == ColumnType.DOUBLE && b == ColumnType.BIGINT)) {
            return ColumnType.DOUBLE;
        }
        return ColumnType.TEXT;
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
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonNode f = mapper.readTree(parser);
            JsonNode props = f.path("properties");
            Object[] values = new Object[columns.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode v = props.get(columns.get(i).name());
                values[i] = v == null || v.isNull() ? null : switch (columns.get(i).type()) {
                    case BOOLEAN -> v.asBoolean();
                    case BIGINT -> v.asLong();
                    case NUMERIC -> v.decimalValue();
                    case DOUBLE -> v.asDouble();
                    case JSONB -> v.toString();
                    default -> v.isTextual() ? v.asText() : v.toString();
                };
            }
            JsonNode g = f.get("geometry");
            return new Feature(g == null || g.isNull() ? null : geometry(g), values);
        } catch (JsonParseException e) {
            throw WorkerException.badInput(name + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private Geometry geometry(JsonNode g) {
        JsonNode c = g.path("coordinates");
        try {
            return switch (g.path("type").asText()) {
                case "Point" -> gf.createPoint(coordinate(c));
                case "MultiPoint" -> gf.createMultiPoint(points(c));
                case "LineString" -> gf.createLineString(coordinates(c));
                case "MultiLineString" -> {
                    LineString[] ls = new LineString[c.size()];
                    for (int i = 0; i < ls.length; i++) {
                        ls[i] = gf.createLineString(coordinates(c.get(i)));
                    }
                    yield gf.createMultiLineString(ls);
                }
                case "Polygon" -> polygon(c);
                case "MultiPolygon" -> {
                    Polygon[] ps = new Polygon[c.size()];
                    for (int i = 0; i < ps.length; i++) {
                        ps[i] = polygon(c.get(i));
                    }
                    yield gf.createMultiPolygon(ps);
                }
                default -> throw WorkerException.badInput(name + ": geometry type '" + g.path("type").asText() + "' is not supported");
            };
        } catch (IllegalArgumentException e) {
            throw WorkerException.badInput(name + ": malformed geometry: " + e.getMessage(), e);
        }
    }

    private Polygon polygon(JsonNode rings) {
        if (rings.size() == 0) {
            return gf.createPolygon();
        }
        LinearRing shell = gf.createLinearRing(coordinates(rings.get(0)));
        LinearRing[] holes = new LinearRing[rings.size() - 1];
        for (int i = 1; i < rings.size(); i++) {
            holes[i - 1] = gf.createLinearRing(coordinates(rings.get(i)));
        }
        return gf.createPolygon(shell, holes);
    }

    private Point[] points(JsonNode c) {
        Point[] p = new Point[c.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = gf.createPoint(coordinate(c.get(i)));
        }
        return p;
    }

    private Coordinate[] coordinates(JsonNode c) {
        Coordinate[] out = new Coordinate[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = coordinate(c.get(i));
        }
        return out;
    }

    private Coordinate coordinate(JsonNode pos) {
        if (!pos.isArray() || pos.size() < 2) {
            throw new IllegalArgumentException("a position needs at least two numbers, got " + pos);
        }
        return pos.size() > 2 ? new Coordinate(pos.get(0).asDouble(), pos.get(1).asDouble(), pos.get(2).asDouble())
                : new Coordinate(pos.get(0).asDouble(), pos.get(1).asDouble());
    }

    @Override
    public long bytesRead() {
        return parser.currentLocation().getByteOffset();
    }

    @Override
    public void close() throws IOException {
        parser.close();
        in.close();
    }
}
