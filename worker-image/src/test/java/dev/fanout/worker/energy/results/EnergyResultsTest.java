package dev.fanout.worker.energy.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fanout.worker.testdata.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Result parsing on the real outputs in ../shared/data/energyplus/sample-output. */
class EnergyResultsTest {
    static Path sample(String run, String file) {
        return SharedData.root().resolve("energyplus/sample-output").resolve(run).resolve(file);
    }

    @Test
    void readsTheAnnualSummaryOfA242Run(@TempDir Path dir) throws Exception {
        Path sql = dir.resolve("eplusout.sql");
        Files.copy(sample("eplus24.2_idf-creator_daley_center", "eplusout.sql"), sql);
        EnergyResults r = EnergyResults.read(sql);
        assertThat(r.totalSiteEnergyGJ()).isCloseTo(517.17, within(1e-9));
        assertThat(r.totalSourceEnergyGJ()).isCloseTo(1637.89, within(1e-9));
        assertThat(r.siteEuiMJm2()).isCloseTo(432.45, within(1e-9));
        assertThat(r.heatingGJ()).isZero();
        assertThat(r.coolingGJ()).isZero();
        assertThat(r.unmetHeatingHours()).isZero();
        assertThat(r.engineVersion()).contains("24.2.0");
    }

    @Test
    void readsSuccessfulErrFiles() throws Exception {
        ErrSummary a = ErrSummary.read(sample("eplus24.2_idf-creator_daley_center", "eplusout.err"));
        assertThat(a.completed()).isTrue();
        assertThat(a.warnings()).isZero();
        assertThat(a.severe()).isZero();
        ErrSummary b = ErrSummary.read(sample("eplus25.1_5ZoneAirCooled_LBNL", "5ZoneAirCooled.err"));
        assertThat(b.completed()).isTrue();
        assertThat(b.elapsedSeconds()).isCloseTo(2.97, within(1e-9));
        assertThat(b.excerpt()).isEmpty();
    }

    @Test
    void aFatalRunIsNotCompletedAndKeepsAnExcerpt() {
        ErrSummary e = ErrSummary.parse("""
                Program Version,EnergyPlus, Version 25.2.0
                   ** Severe  ** GetMaterialData: Material:NoMass="R13LAYER", invalid Thermal Resistance
                   **   ~~~   ** Thermal Resistance must be > 0.001
                   **  Fatal  ** GetSurfaceData: Errors discovered, program terminates.
                   ************* EnergyPlus Terminated--Fatal Error Detected. 2 Warning; 1 Severe Errors; Elapsed Time=00hr 00min  0.21sec
                """);
        assertThat(e.completed()).isFalse();
        assertThat(e.warnings()).isEqualTo(2);
        assertThat(e.severe()).isEqualTo(1);
        assertThat(e.excerpt()).hasSize(3).first().asString().contains("R13LAYER");
    }
}
