package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.SourceFormat;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskSet;
import dev.fanout.worker.FanoutWorker;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every argument list the operator plans, parsed by the worker's own command line: a flag renamed on one side, a value
 * the worker cannot convert (an enum spelt another way) or an option that lost its arity fails here, before any pod runs.
 * Values are checked too, for the options whose meaning could drift (mode, format, keys, links, samples).
 */
class WorkerArgsContractTest {

    private static CommandLine.ParseResult leaf(List<String> args) {
        CommandLine.ParseResult r = new CommandLine(new FanoutWorker()).parseArgs(args.toArray(String[]::new));
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return r;
    }

    private static List<List<String>> argLists(TaskSet.Planned t) {
        List<List<String>> all = new ArrayList<>();
        all.add(t.args());
        t.layout().init().stream().filter(s -> s.command() == null).forEach(s -> all.add(s.args())); // worker-image steps
        return all;
    }

    @Test
    void theExampleSpatialLoadParses() throws IOException {
        SpatialLoad sl = example("spatial-load.yaml", SpatialLoad.class);
        List<TaskSet.Planned> plan = SpatialLoadPlan.tasks(sl, "fanout/worker:1");
        assertThat(plan).hasSize(3);
        for (TaskSet.Planned t : plan) {
            CommandLine.ParseResult r = leaf(t.args());
            assertThat(r.commandSpec().name()).isEqualTo("load");
            assertThat(r.matchedOptionValue("--task", "")).isEqualTo(t.id());
            assertThat(r.matchedOptionValue("--result", Path.of(""))).isEqualTo(Path.of("/dev/termination-log"));
        }
        // admin1 joins on its parent column: the loader indexes it.
        CommandLine.ParseResult admin1 = leaf(plan.stream().filter(t -> t.id().equals("admin1")).findFirst().orElseThrow().args());
        assertThat(admin1.matchedOptionValue("--key", List.of())).isEqualTo(List.of("adm0_a3"));

        // Layers sharing a source, with a cache claim: the copy's options parse, with the mounted directory.
        sl.getSpec().layers.get(1).source.url = sl.getSpec().layers.get(0).source.url;
        sl.getSpec().sourceCache = new dev.fanout.operator.crds.v1alpha1.spatialload.SourceCacheSpec();
        sl.getSpec().sourceCache.claimName = "sources";
        sl.getMetadata().setUid("9f1c0e7a-0000-4000-8000-000000000001");
        sl.getMetadata().setGeneration(1L);
        List<String> sharing = List.of(sl.getSpec().layers.get(0).name, sl.getSpec().layers.get(1).name);
        for (TaskSet.Planned t : SpatialLoadPlan.tasks(sl, "fanout/worker:1").stream().filter(t -> sharing.contains(t.id())).toList()) {
            CommandLine.ParseResult r = leaf(t.args());
            assertThat(r.matchedOptionValue("--shared-copy-dir", Path.of(""))).isEqualTo(Path.of("/var/cache/fanout-sources"));
            assertThat(r.matchedOptionValue("--shared-copy-key", "")).matches("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
            assertThat(r.matchedOptionValue("--shared-copy-tag", "")).isEqualTo("g1.first");
        }

        CommandLine.ParseResult link = leaf(SpatialLoadPlan.linkTask(sl, plan).args());
        assertThat(link.commandSpec().name()).isEqualTo("link");
        assertThat(link.matchedOptionValue("--link", List.of())).isEqualTo(List.of("admin_level_1.adm0_a3=admin_level_0.ADM0_A3"));
    }

    @Test
    void everyLoadOptionTheSpecCanSetParses() throws IOException {
        SpatialLoad sl = example("spatial-load.yaml", SpatialLoad.class);
        var l = sl.getSpec().layers.get(0);
        l.source.layer = "countries";
        l.source.path = "data/countries.shp";
        l.source.format = SourceFormat.shapefile;
        l.source.srid = 3035;
        l.targetSrid = 3857;
        l.select = List.of("NAME", "ADM0_A3");
        l.rename = Map.of("NAME", "name");
        l.keys = List.of("adm0_a3", "name");
        CommandLine.ParseResult r = leaf(SpatialLoadPlan.tasks(sl, "fanout/worker:1").stream()
                .filter(t -> t.id().equals("admin0")).findFirst().orElseThrow().args());
        assertThat(r.matchedOptionValue("--format", SourceFormat.auto)).isEqualTo(SourceFormat.shapefile);
        assertThat(r.matchedOptionValue("--source-srid", 0)).isEqualTo(3035);
        assertThat(r.matchedOptionValue("--target-srid", 0)).isEqualTo(3857);
        assertThat(r.matchedOptionValue("--select", List.of())).isEqualTo(List.of("NAME", "ADM0_A3"));
        assertThat(r.matchedOptionValue("--rename", Map.of())).isEqualTo(Map.of("NAME", "name"));
        assertThat(r.matchedOptionValue("--key", List.of())).isEqualTo(List.of("adm0_a3", "name"));
        assertThat(r.matchedOptionValue("--layer", "")).isEqualTo("countries");
        assertThat(r.matchedOptionValue("--path", "")).isEqualTo("data/countries.shp");
    }

    @Test
    void everyStepOfABatchParses() throws IOException {
        for (EnergySimulationBatch esb : List.of(EnergyBatchPlanTest.batch(), example("energy-simulation-batch.yaml",
                EnergySimulationBatch.class))) {
            List<TaskSet.Planned> plan = EnergyBatchPlan.tasks(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1");
            assertThat(plan).isNotEmpty();
            for (TaskSet.Planned t : plan) {
                assertThat(argLists(t)).hasSize(1); // the worker's; the engine container beside it runs the engine script
                CommandLine.ParseResult r = leaf(t.args());
                assertThat(r.commandSpec().name()).isEqualTo("pack");
                assertThat(r.matchedOptionValue("--alone", false)).as("a run of its own reports as one").isTrue();
                assertThat(r.matchedOptionValue("--mode", null).toString()).isEqualTo(esb.getSpec().energyplus.mode.name());
                java.util.Map<String, String> ids = r.matchedOptionValue(dev.fanout.api.args.PackRun.OPTION, java.util.Map.of());
                assertThat(ids).hasSize(1);
                assertThat(t.id()).endsWith("." + ids.values().iterator().next());
                // The variant JSON is the worker's own format: it parses and passes the worker's checks.
                java.util.Map<String, String> edits = r.matchedOptionValue(dev.fanout.api.args.PackArgs.EDIT, java.util.Map.of());
                assertThat(edits.keySet()).isEqualTo(ids.keySet());
                dev.fanout.worker.energy.Variant.parse(edits.values().iterator().next());
                assertThat(t.layout().beside().command().get(2)).isEqualTo(dev.fanout.api.args.PackRun.engineScript("/tmp/work", 1));
            }
            CommandLine.ParseResult agg = leaf(EnergyBatchPlan.aggregateTask(esb, plan).args());
            assertThat(agg.commandSpec().name()).isEqualTo("aggregate");
            String samples = agg.matchedOptionValue("--samples", null);
            if (samples != null) {
                // The range names exactly the sample ids the plan has.
                var range = dev.fanout.api.SampleIds.parseRange(samples);
                assertThat(plan.stream().map(t -> t.id().substring(t.id().lastIndexOf('.') + 1)).filter(range::contains).distinct()
                        .count()).isEqualTo(range.count());
            }
        }
    }

    /**
     * A pack's worker command parses, names each run's directory once for its variant id and once for its edit, in the
     * variants' order, and the engine container beside it runs exactly those directories.
     */
    @Test
    void aPacksWorkerAndEngineNameTheSameRuns() throws IOException {
        EnergySimulationBatch esb = example("energy-simulation-batch.yaml", EnergySimulationBatch.class);
        List<EnergyBatchPlan.Variant> variants = EnergyBatchPlan.variants(esb.getSpec());
        TaskSet.Planned pack = EnergyBatchPlan.pack(esb, esb.getSpec().models.get(0), esb.getSpec().weather.get(0), variants, "fanout/worker:1");
        CommandLine.ParseResult worker = leaf(pack.args());
        assertThat(worker.commandSpec().name()).isEqualTo("pack");
        java.util.Map<String, String> edits = worker.matchedOptionValue(dev.fanout.api.args.PackArgs.EDIT, java.util.Map.of());
        java.util.Map<String, String> ids = worker.matchedOptionValue(dev.fanout.api.args.PackRun.OPTION, java.util.Map.of());
        assertThat(List.copyOf(edits.keySet())).isEqualTo(List.copyOf(ids.keySet())).hasSize(variants.size());
        assertThat(List.copyOf(ids.values())).isEqualTo(variants.stream().map(EnergyBatchPlan.Variant::id).toList());
        edits.values().forEach(dev.fanout.worker.energy.Variant::parse);
        assertThat(pack.layout().init()).isEmpty();
        String script = pack.layout().beside().command().get(2);
        assertThat(script).isEqualTo(dev.fanout.api.args.PackRun.engineScript("/tmp/work", variants.size()))
                .contains("for d in " + String.join(" ", ids.keySet()) + "; do");
        assertThat(worker.matchedOptionValue(dev.fanout.api.args.PackArgs.WORK, Path.of(""))).isEqualTo(Path.of("/tmp/work"));
    }

    @Test
    void theJobsPodRunsTheWorkerWithTheContractsPaths() {
        EnergySimulationBatch esb = EnergyBatchPlanTest.batch();
        List<TaskSet.Planned> plan = EnergyBatchPlan.tasks(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1");
        TaskSet.Planned t = plan.get(0);
        var job = TaskJobs.build(EnergyBatchPlanTest.owner(esb), new TaskJobs.Task(t.id(), t.specHash(), 1, t.args(), "energybatch", t.layout()));
        var worker = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(worker.getTerminationMessagePath()).isEqualTo(leaf(t.args()).commandSpec().findOption("--result").defaultValue());
        assertThat(worker.getEnv()).extracting(e -> e.getName()).containsAll(dev.fanout.api.WorkerContract.DB_ENV);
    }

    private static <T extends HasMetadata> T example(String file, Class<T> type) throws IOException {
        String all = Files.readString(Path.of("..", "examples", file));
        for (String doc : all.split("(?m)^---$")) {
            if (doc.contains("kind: " + type.getSimpleName())) {
                T r = Serialization.unmarshal(doc, type);
                r.getMetadata().setNamespace("ns");
                r.getMetadata().setUid("uid-1");
                return r;
            }
        }
        throw new IllegalStateException("no " + type.getSimpleName() + " in examples/" + file);
    }
}
