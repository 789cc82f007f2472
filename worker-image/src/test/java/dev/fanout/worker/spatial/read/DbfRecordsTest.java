package dev.fanout.worker.spatial.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.spatial.SampleLayer;
import dev.fanout.worker.testdata.SharedData;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Geometry;

/** DbfRecords must give the values JavaDBF (with ShapefileSource's conversion) gives, and skip deleted records with their shapes. */
class DbfRecordsTest {
    @TempDir
    Path dir;

    private static List<Feature> readAll(Path shp, boolean javaDbf) throws Exception {
        List<Feature> out = new ArrayList<>();
        try (ShapefileSource s = new ShapefileSource(shp, null, javaDbf)) {
            assertThat(s.readsRecordsItself()).as("DbfRecords reads " + shp.getFileName()).isEqualTo(!javaDbf);
            Feature f;
            while ((f = s.next()) != null) {
                out.add(f);
            }
        }
        return out;
    }

    /** Both readers, feature by feature: the same geometries and equal values (BigDecimal scales included). */
    private static List<Feature> sameBothWays(Path shp) throws Exception {
        List<Feature> fast = readAll(shp, false);
        List<Feature> slow = readAll(shp, true);
        assertThat(fast).hasSameSizeAs(slow);
        for (int i = 0; i < fast.size(); i++) {
            assertThat(fast.get(i).values()).as("feature %d of %s", i, shp.getFileName()).containsExactly(slow.get(i).values());
            assertThat(fast.get(i).geometry().equalsExact(slow.get(i).geometry())).isTrue();
        }
        return fast;
    }

    @Test
    void realShapefilesReadTheSameAsThroughJavaDbf() throws Exception {
        int features = 0;
        for (String layer : List.of("ne_50m_admin_0_countries", "ne_50m_admin_1_states_provinces", "ne_10m_time_zones")) {
            features += sameBothWays(SharedData.copyNaturalEarth(layer, dir.resolve(layer))).size();
        }
        Path sample = dir.resolve("sample/layer.shp");
        SampleLayer.write(sample, 500, 12); // text, integers, decimals, dates, logicals
        List<Feature> rows = sameBothWays(sample);
        assertThat(rows).hasSize(500);
        assertThat(rows.get(7).values()).hasAtLeastOneElementOfType(LocalDate.class).hasAtLeastOneElementOfType(Boolean.class)
                .hasAtLeastOneElementOfType(BigDecimal.class).hasAtLeastOneElementOfType(Long.class);
        assertThat(features).isEqualTo(656); // the three layers of shared/data
    }

    private record Field(String name, char kind, int length, int decimals) {
    }

    /** A dBase III table of these fields and records (each value its field's raw text, padded here; '*' first: deleted). */
    private static byte[] dbf(List<Field> fields, List<String[]> rows, Charset cs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int recordLength = 1 + fields.stream().mapToInt(Field::length).sum();
        int headerLength = 32 + 32 * fields.size() + 1;
        byte[] h = new byte[32];
        h[0] = 0x03;
        h[1] = 124;
        h[2] = 1;
        h[3] = 1;
        h[4] = (byte) rows.size();
        h[5] = (byte) (rows.size() >> 8);
        h[8] = (byte) headerLength;
        h[9] = (byte) (headerLength >> 8);
        h[10] = (byte) recordLength;
        h[11] = (byte) (recordLength >> 8);
        out.writeBytes(h);
        for (Field f : fields) {
            byte[] d = new byte[32];
            byte[] n = f.name().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, d, 0, n.length);
            d[11] = (byte) f.kind();
            d[16] = (byte) f.length();
            d[17] = (byte) f.decimals();
            out.writeBytes(d);
        }
        out.write(0x0d);
        for (String[] row : rows) {
            boolean deleted = row[0].equals("*");
            out.write(deleted ? '*' : ' ');
            for (int i = 0; i < fields.size(); i++) {
                Field f = fields.get(i);
                byte[] v = row[i + (deleted ? 1 : 0)].getBytes(cs);
                byte[] cell = new byte[f.length()];
                Arrays.fill(cell, (byte) ' ');
                System.arraycopy(v, 0, cell, f.kind() == 'N' || f.kind() == 'F' ? f.length() - v.length : 0, v.length);
                out.writeBytes(cell);
            }
        }
        out.write(0x1a);
        return out.toByteArray();
    }

    /** A shapefile of these records: SampleLayer's shapes with this .dbf in place of its own. */
    private Path shapefile(String name, List<Field> fields, List<String[]> rows, Charset cs) throws Exception {
        Path shp = dir.resolve(name).resolve(name + ".shp");
        SampleLayer.write(shp, rows.size(), 8);
        Files.write(dir.resolve(name).resolve(name + ".dbf"), dbf(fields, rows, cs));
        Files.writeString(dir.resolve(name).resolve(name + ".cpg"), cs.name());
        return shp;
    }

    private static final List<Field> FIELDS = List.of(new Field("I", 'N', 9, 0), new Field("L", 'N', 15, 0), new Field("D", 'N', 12, 3),
            new Field("F", 'F', 19, 11), new Field("BIG", 'N', 24, 0), new Field("T", 'C', 12, 0), new Field("W", 'D', 8, 0),
            new Field("B", 'L', 1, 0));

    @Test
    void oddButReadableValuesAreReadAsJavaDbfReadsThem() throws Exception {
        List<String[]> rows = List.of(
                new String[] {"42", "123456789012345", "-1234.500", "1.50000000000", "123456789012345678901234", "plain", "20240229", "T"},
                new String[] {"", "", "", "", "", "", "", " "}, // blanks: null numbers, empty text
                new String[] {"?", "***", "?.???", "*", "", "trailing  ", "20231225", "f"},
                new String[] {"1 2", "-0", "1,25", ".", "+7", "ümlaut", "19000101", "y"},
                new String[] {"0012", "000000000000017", ".5", "1.5E3", "-99999999999999999999999", "x\0\0\0", "18991231", "N"},
                new String[] {"-7.9", "12.0", "5.", "-0.00000000001", "0", "   lead", "99991231", "?"});
        Path shp = shapefile("odd", FIELDS, rows, StandardCharsets.UTF_8);
        List<Feature> read = sameBothWays(shp);
        assertThat(read.get(0).values()).containsExactly(42, 123456789012345L, new BigDecimal("-1234.500"), new BigDecimal("1.50000000000"),
                new BigDecimal("123456789012345678901234"), "plain", LocalDate.of(2024, 2, 29), true);
        assertThat(read.get(1).values()).containsExactly(null, null, null, null, null, "", null, null);
        assertThat(read.get(2).values()).containsExactly(null, null, null, null, null, "trailing", LocalDate.of(2023, 12, 25), false);
        assertThat(read.get(3).values()).containsExactly(12, 0L, new BigDecimal("1.25"), BigDecimal.ZERO, new BigDecimal("7"), "ümlaut",
                LocalDate.of(1900, 1, 1), true);
        assertThat(read.get(4).values()[3]).isEqualTo(new BigDecimal("1.5E3"));
        assertThat(read.get(5).values()[0]).isEqualTo(-7); // truncated, as intValue() does
    }

    @Test
    void datesThatAreNoDatesAreNullWhereJavaDbfWouldRollThemOver() throws Exception {
        List<Field> fields = List.of(new Field("W", 'D', 8, 0));
        Path shp = shapefile("dates", fields, List.<String[]>of(new String[] {"00000000"}, new String[] {"20231301"}, new String[] {"2023 1 1"},
                new String[] {"20230230"}, new String[] {"20230131"}), StandardCharsets.ISO_8859_1);
        assertThat(readAll(shp, false)).extracting(f -> f.values()[0]).containsExactly(null, null, null, null, LocalDate.of(2023, 1, 31));
    }

    @Test
    void aDeletedRecordIsSkippedWithItsShape() throws Exception {
        List<Field> fields = List.of(new Field("NAME", 'C', 6, 0));
        List<String[]> rows = List.of(new String[] {"one"}, new String[] {"*", "two"}, new String[] {"three"});
        Path shp = shapefile("deleted", fields, rows, StandardCharsets.ISO_8859_1);
        List<Geometry> shapes = new ArrayList<>();
        try (ShpGeometryReader r = new ShpGeometryReader(shp, null)) {
            Geometry g;
            while ((g = r.next()) != ShpGeometryReader.END) {
                shapes.add(g);
            }
        }
        for (boolean javaDbf : new boolean[] {false, true}) {
            List<Feature> read = readAll(shp, javaDbf);
            assertThat(read).extracting(f -> f.values()[0]).containsExactly("one", "three");
            assertThat(read.get(1).geometry().equalsExact(shapes.get(2))).as("the third shape goes with the third record").isTrue();
        }
    }

    @Test
    void textThatIsNoNumberIsBadInputNamingTheRecord() throws Exception {
        Path shp = shapefile("bad", List.of(new Field("N", 'N', 8, 2)), List.<String[]>of(new String[] {"1.5"}, new String[] {"1.2.3"}),
                StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> readAll(shp, false)).isInstanceOf(WorkerException.class).hasMessageContaining("bad.dbf: record 2, field N holds '1.2.3'")
                .hasMessageContaining("--select");
        assertThatThrownBy(() -> readAll(shp, true)).isInstanceOf(WorkerException.class).hasMessageContaining("record 2");
    }
}
