package dev.fanout.worker.energy.idf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.testdata.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdfFileTest {

    static String example(String name) throws Exception {
        return Files.readString(SharedData.root().resolve("energyplus").resolve(name), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1ZoneUncontrolled.idf", "5ZoneAirCooled.idf"})
    void writesAnUntouchedFileBackByteForByte(String name) throws Exception {
        String text = example(name);
        IdfFile idf = IdfFile.parse(text);
        assertThat(idf.write()).isEqualTo(text);
        assertThat(idf.objects().get(0).className()).isEqualTo("Version");
        assertThat(idf.objects().get(0).field(1)).isEqualTo("25.2");
    }

    @Test
    void readsTheObjectCountsOfTheExamples() throws Exception {
        IdfFile one = IdfFile.parse(example("1ZoneUncontrolled.idf"));
        assertThat(one.objects()).hasSize(88);
        assertThat(one.ofClass("Construction")).hasSize(3);
        assertThat(one.ofClass("Material")).hasSize(1);
        assertThat(one.ofClass("Material:NoMass")).hasSize(2);
        IdfFile five = IdfFile.parse(example("5ZoneAirCooled.idf"));
        assertThat(five.objects()).hasSize(359);
        assertThat(five.ofClass("Construction")).hasSize(7);
        assertThat(five.ofClass("Material")).hasSize(10);
        assertThat(five.ofClass("WindowMaterial:Glazing")).hasSize(2);
        assertThat(five.ofClass("BuildingSurface:Detailed")).hasSize(40);
    }

    @Test
    void editsChangeOnlyTheEditedValues() throws Exception {
        String text = example("1ZoneUncontrolled.idf");
        IdfFile idf = IdfFile.parse(text);
        IdfObject material = idf.ofClass("Material").get(0);
        String thickness = material.field(3);
        material.field(3, "0.2");
        String out = idf.write();
        assertThat(out.length()).isEqualTo(text.length() - thickness.length() + 3);
        IdfFile again = IdfFile.parse(out);
        assertThat(again.find("Material", material.name()).orElseThrow().field(3)).isEqualTo("0.2");
        // The field comment after the value is kept; the rest of the file is unchanged.
        assertThat(out).containsPattern("(?m)^\\s*0\\.2,\\s*!- Thickness");
        assertThat(out.replace("0.2,", thickness + ",")).isEqualTo(text);
        assertThat(again.objects()).hasSize(88);
    }

    @Test
    void aConstructionGetsMoreOrFewerLayersWithoutDuplicates() throws Exception {
        IdfFile idf = IdfFile.parse(example("5ZoneAirCooled.idf"));
        IdfObject wall = idf.ofClass("Construction").get(0);
        String name = wall.name();
        wall.field(2, "A");
        wall.field(3, "B");
        wall.field(4, "C");
        wall.field(5, "D");
        wall.field(6, "E");
        IdfFile again = IdfFile.parse(idf.write());
        assertThat(again.ofClass("Construction")).filteredOn(c -> c.name().equals(name)).singleElement()
                .satisfies(c -> assertThat(List.of(c.field(2), c.field(3), c.field(6))).containsExactly("A", "B", "E"));
        again.find("Construction", name).orElseThrow().truncate(2);
        IdfFile third = IdfFile.parse(again.write());
        assertThat(third.find("Construction", name).orElseThrow().fieldCount()).isEqualTo(2);
        assertThat(third.objects()).hasSize(359);
    }

    @Test
    void addedObjectsAreReadBack() throws Exception {
        IdfFile idf = IdfFile.parse(example("1ZoneUncontrolled.idf"));
        idf.add(IdfObject.of("Output:SQLite", List.of("SimpleAndTabular")));
        IdfFile again = IdfFile.parse(idf.write());
        assertThat(again.ofClass("output:sqlite")).singleElement().satisfies(o -> assertThat(o.field(1)).isEqualTo("SimpleAndTabular"));
    }

    @Test
    void anUnterminatedObjectIsBadInput(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> IdfFile.parse("Version,25.2;\nMaterial, M1, Rough, 0.1"))
                .isInstanceOf(WorkerException.class).hasMessageContaining("';' is missing").hasMessageContaining("Material");
    }
}
