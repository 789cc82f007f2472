package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ConstructionSet;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputFile;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.OutputsSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ParameterSpace;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ResultsSpec;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskOwner;
import dev.fanout.operator.tasks.TaskSet;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnergyBatchPlanTest {
    static EnergySimulationBatch batch() {
        EnergySimulationBatch esb = new EnergySimulationBatch();
        esb.getMetadata().setName("walls");
        esb.getMetadata().setNamespace("ns");
        esb.getMetadata().setUid("uid-1");
        EnergySimulationBatchSpec spec = new EnergySimulationBatchSpec();
        InputFile model = new InputFile();
        model.name = "office";
        model.configMapKeyRef = new InputFile.ConfigMapKey();
        model.configMapKeyRef.name = "models";
        model.configMapKeyRef.key = "office.idf";
        InputFile golden = new InputFile();
        golden.name = "golden";
        golden.url = "https://example.org/golden.epw";
        InputFile chicago = new InputFile();
        chicago.name = "chicago";
        chicago.persistentVolumeClaim = new InputFile.ClaimPath();
        chicago.persistentVolumeClaim.claimName = "weather";
        chicago.persistentVolumeClaim.path = "usa/chicago.epw";
        spec.models = List.of(model);
        spec.weather = List.of(golden, chicago);
        ConstructionSet base = new ConstructionSet();
        base.name = "base";
        ConstructionSet thick = new ConstructionSet();
        thick.name = "thick";
        thick.materials = Map.of("Insulation", Map.of("Thickness", 0.2));
        spec.constructionSets = new ArrayList<>(List.of(base, thick));
        spec.parameters = new ParameterSpace();
        spec.parameters.method = ParameterSpace.Method.latinHypercube;
        spec.parameters.samples = 3;
        spec.parameters.fields = List.of(ParameterSamplerTest.field("Insulation", "Conductivity", 0.02, 0.05));
        spec.results = new ResultsSpec();
        spec.results.database = new DatabaseSpec();
        spec.results.database.secretRef = new SecretKeys();
        spec.results.database.secretRef.name = "postgis";
        spec.outputs = new OutputsSpec();
        spec.outputs.claimName = "outputs";
        esb.setSpec(spec);
        return esb;
    }

    /** The batch as the reconciler hands it to the engine, with the operator's default requests. */
    static TaskOwner owner(EnergySimulationBatch esb) {
        return new TaskOwner(esb, esb.getSpec(), esb.getSpec().results.database.secretRef, "fanout/worker:1",
                TaskJobs.resources(esb.getSpec(), Map.of("cpu", new Quantity("500m"), "memory", new Quantity("768Mi"))), job -> List.of(),
                (reason, message) -> { }, dev.fanout.operator.tasks.TaskMetrics.NONE,
                java.time.Duration.ofMinutes(1));
    }

    @Test
    void aMaterialFieldNoVariantMaySetIsRefusedBeforeAnyRunNamingTheAllowedOnes() {
        EnergySimulationBatch esb = batch();
        esb.getSpec().constructionSets.get(1).materials = Map.of("Insulation", Map.of("Thiknes", 0.2));
        esb.getSpec().parameters.fields = List.of(ParameterSamplerTest.field("Insulation", "Colour", 0.02, 0.05));
        List<String> problems = EnergyBatchPlan.problems(esb.getSpec(), EnergyBatchPlan.variants(esb.getSpec()), 10_000);
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith("spec.constructionSets[thick]: material 'Insulation' field 'Thiknes' is not a field")
                .contains("allowed: conductivity, density");
        assertThat(problems.get(1)).startsWith("spec.parameters.fields[0].field 'Colour' is not a field a variant may set")
                .contains("thickness");
    }

    /** The batch with models office (a ConfigMap: size unknown), small (40 kB) and large (900 kB), their sizes recorded. */
    private static EnergySimulationBatch threeModels() {
        EnergySimulationBatch esb = batch();
        InputFile small = new InputFile();
        small.name = "small";
        small.url = "http://models/small.idf";
        InputFile large = new InputFile();
        large.name = "large";
        large.url = "http://models/large.idf";
        esb.getSpec().models = List.of(esb.getSpec().models.get(0), small, large);
        esb.setStatus(new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus());
        for (var m : List.of(Map.entry("small", 40_000L), Map.entry("large", 900_000L))) {
            var v = new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputVersion();
            v.input = "model/" + m.getKey();
            v.length = m.getValue();
            esb.getStatus().inputs.add(v);
        }
        return esb;
    }

    @Test
    void theLargestModelsRunsComeFirstAndModelsOfUnknownSizeAfter() {
        EnergySimulationBatch esb = threeModels();
        List<TaskSet.Planned> plan = EnergyBatchPlan.tasks(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1");
        assertThat(plan.stream().map(t -> t.id().substring(0, t.id().indexOf('.'))).distinct()).containsExactly("large", "small", "office");
    }

    /**
     * Measured times order the runs, not the models' sizes: a large model whose first run was short goes after a small one
     * whose first run was long. A model not yet timed is expected to take its size at the rate the timed ones ran at;
     * one of unknown size and not timed goes last, one of unknown size but timed takes its place by its time.
     */
    @Test
    void runsAreOrderedByTheFirstMeasuredTimeOfTheirModelThenBySizeAtTheMeasuredRate() {
        EnergySimulationBatch esb = threeModels();
        esb.getSpec().weather = List.of(esb.getSpec().weather.get(0));
        assertThat(groupOrder(esb)).containsExactly("large", "small", "office");
        var packing = new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.PackingStatus();
        esb.getStatus().packing = packing;
        // large timed at 2 s: small (1/22 of its size) is expected at 0.09 s, still after it.
        EnergyBatchPacker.measured(packing, "large.golden.base", 2.0);
        assertThat(groupOrder(esb)).containsExactly("large", "small", "office");
        // small timed at 4 s: before large. The moving mean does not reorder; the first time does.
        EnergyBatchPacker.measured(packing, "small.golden.base", 4.0);
        EnergyBatchPacker.measured(packing, "large.golden.thick", 9.0);
        assertThat(packing.groups).filteredOn(g -> g.model.equals("large")).singleElement()
                .satisfies(g -> assertThat(g.firstRunSeconds).isEqualTo(2.0)).satisfies(g -> assertThat(g.runSeconds).isEqualTo(5.5));
        assertThat(groupOrder(esb)).containsExactly("small", "large", "office");
        // office (a ConfigMap: no size) timed at 3 s: between them.
        EnergyBatchPacker.measured(packing, "office.golden.base", 3.0);
        assertThat(groupOrder(esb)).containsExactly("small", "office", "large");
        List<TaskSet.Planned> plan = EnergyBatchPlan.tasks(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1");
        assertThat(plan.subList(0, 3)).extracting(TaskSet.Planned::id).containsExactly("small.golden.base", "office.golden.base",
                "large.golden.base");
        assertThat(plan.get(3).id()).isEqualTo("small.golden.thick");
    }

    /** The models in the order of their runs after the first runs. */
    private static List<String> groupOrder(EnergySimulationBatch esb) {
        List<TaskSet.Planned> plan = EnergyBatchPlan.plan(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1");
        int groups = esb.getSpec().models.size() * esb.getSpec().weather.size();
        return plan.subList(groups, plan.size()).stream().map(t -> t.id().substring(0, t.id().indexOf('.'))).distinct().toList();
    }

    @Test
    void oneRunPerModelWeatherAndVariantWithStableIds() {
        EnergySimulationBatch esb = batch();
        List<TaskSet.Planned> plan = EnergyBatchPlan.tasks(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1");
        // Two weather files: the first run of each goes first (alone: no pack key), to be timed; then the rest of each.
        assertThat(plan).extracting(TaskSet.Planned::id).containsExactly("office.golden.base", "office.chicago.base",
                "office.golden.thick", "office.golden.lhs-00001", "office.golden.lhs-00002", "office.golden.lhs-00003",
                "office.chicago.thick", "office.chicago.lhs-00001", "office.chicago.lhs-00002", "office.chicago.lhs-00003");
        assertThat(plan).extracting(TaskSet.Planned::packKey).containsExactly(null, null, "office/golden", "office/golden",
                "office/golden", "office/golden", "office/chicago", "office/chicago", "office/chicago", "office/chicago");
        assertThat(EnergyBatchPlan.problems(esb.getSpec(), EnergyBatchPlan.variants(esb.getSpec()), 10_000)).isEmpty();
        assertThat(EnergyBatchPlan.baseline(esb.getSpec())).isEqualTo("base");
        // The aggregate is told what the batch is now, so rows of removed runs leave the ranking.
        assertThat(EnergyBatchPlan.aggregateTask(esb, plan).args()).containsSequence("--models", "office")
                .containsSequence("--weather", "golden,chicago").containsSequence("--variants", "base,thick")
                .containsSequence("--samples", "lhs:3").containsSequence("--baseline", "base");

        // Changing one construction set changes the fingerprint of its runs only.
        EnergySimulationBatch changed = batch();
        changed.getSpec().constructionSets.get(1).materials = Map.of("Insulation", Map.of("Thickness", 0.3));
        List<TaskSet.Planned> again = EnergyBatchPlan.tasks(changed, EnergyBatchPlan.variants(changed.getSpec()), "fanout/worker:1");
        for (int i = 0; i < plan.size(); i++) {
            boolean thick = plan.get(i).id().endsWith(".thick");
            assertThat(again.get(i).specHash().equals(plan.get(i).specHash())).as(plan.get(i).id()).isEqualTo(!thick);
        }
    }

    /**
     * A run of its own has a pack's pod for its one run: the worker (inputs and the outputs claim mounted, credentials)
     * reporting as that run ({@code --alone}), the engine image beside it with no credentials, all restricted.
     */
    @Test
    void aRunsPodIsAPacksPodForItsOneRunAllRestricted() {
        EnergySimulationBatch esb = batch();
        TaskSet.Planned run = EnergyBatchPlan.tasks(esb, EnergyBatchPlan.variants(esb.getSpec()), "fanout/worker:1").stream()
                .filter(t -> t.id().equals("office.chicago.thick")).findFirst().orElseThrow();
        Job job = TaskJobs.build(EnergyBatchPlanTest.owner(esb), new TaskJobs.Task(run.id(), run.specHash(), 1, run.args(), EnergyBatchPlan.KIND, run.layout()));
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("worker", "energyplus");
        Container worker = pod.getContainers().get(0);
        assertThat(worker.getArgs()).startsWith("energy", "pack").contains("--alone").containsSequence("--model", "/inputs/cm-office/model.idf")
                .containsSequence("--edit", "r000={\"materials\":{\"Insulation\":{\"Thickness\":0.2}}}").containsSequence("--mode", "annual")
                .containsSequence("--run", "r000=thick").containsSequence("--weather-name", "chicago")
                .containsSequence("--run-hash", "r000=" + run.specHash()) // a pack's ranking counts its row by it
                .containsSequence("--keep-outputs", "/outputs/walls");
        String weatherPath = worker.getArgs().get(worker.getArgs().indexOf("--weather") + 1);
        assertThat(weatherPath).startsWith("/inputs/pvc-").endsWith("/usa/chicago.epw");
        assertThat(worker.getVolumeMounts()).allSatisfy(m -> {
            if (m.getMountPath().startsWith("/inputs")) {
                assertThat(m.getReadOnly()).isTrue();
            }
        });
        Container engine = pod.getContainers().get(1);
        assertThat(engine.getImage()).isEqualTo("nrel/energyplus:25.2.0");
        assertThat(engine.getCommand()).startsWith("/bin/sh", "-c");
        assertThat(engine.getCommand().get(2)).contains("energyplus -w in.epw -d out in.idf").contains("echo $? >").contains("for d in r000; do");
        assertThat(engine.getEnv()).isEmpty(); // no credentials where they are not needed
        assertThat(worker.getEnv()).extracting(e -> e.getName()).containsExactly("JDK_JAVA_OPTIONS", "FANOUT_DB_URL", "FANOUT_DB_USER",
                "FANOUT_DB_PASSWORD");
        assertThat(pod.getVolumes()).extracting(v -> v.getName()).contains("tmp", "cm-office");
        assertThat(pod.getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .extracting(v -> v.getPersistentVolumeClaim().getClaimName()).containsExactlyInAnyOrder("weather", "outputs");
        for (Container c : pod.getContainers()) {
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
            assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp")); // the shared work directory
        }
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    }

    /**
     * A pack's pod: the worker and the engine container start together (no init containers: no hand-offs), and the pod
     * asks for one task's resources: the engine holds the requests, the worker requests none (explicitly: its limits alone
     * would default its requests to them), both restricted and sharing /tmp.
     */
    @Test
    void aPacksPodStartsWorkerAndEngineTogetherAndAsksForOneTasksResources() {
        EnergySimulationBatch esb = batch();
        esb.getSpec().resources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("1"))).withLimits(Map.of("memory", new Quantity("1Gi"))).build();
        var variants = EnergyBatchPlan.variants(esb.getSpec());
        TaskSet.Planned pack = EnergyBatchPlan.pack(esb, esb.getSpec().models.get(0), esb.getSpec().weather.get(1), variants.subList(0, 3),
                List.of("h0", "h1", "h2"), true, "fanout/worker:1");
        Job job = TaskJobs.build(EnergyBatchPlanTest.owner(esb), new TaskJobs.Task("pack-1", "p1a2b3c4", 1, pack.args(), EnergyBatchPlan.KIND,
                pack.layout(), List.of()));
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly(TaskJobs.WORKER_CONTAINER, "energyplus");
        Container worker = pod.getContainers().get(0);
        Container engine = pod.getContainers().get(1);
        assertThat(worker.getArgs()).startsWith("energy", "pack").containsSequence("--model", "/inputs/cm-office/model.idf")
                .containsSequence("--model-name", "office").containsSequence("--weather-name", "chicago")
                .containsSequence("--run", "r002=" + variants.get(2).id()).containsSequence("--run-hash", "r001=h1");
        assertThat(worker.getArgs()).doesNotContain("--rank"); // spec.outputs is set: the aggregate Job writes the CSV
        assertThat(worker.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp", "/inputs/cm-office", "/outputs");
        assertThat(worker.getEnv()).extracting(e -> e.getName()).contains("FANOUT_DB_URL");
        assertThat(engine.getEnv()).isEmpty(); // no credentials where they are not needed
        assertThat(engine.getCommand().get(2)).isEqualTo(dev.fanout.api.args.PackRun.engineScript("/tmp/work", 3));
        // One task's worth: what the scheduler and the capacity planner count for the pod is the spec's.
        assertThat(engine.getResources().getRequests()).containsEntry("cpu", new Quantity("1")).containsEntry("memory", new Quantity("768Mi"));
        assertThat(worker.getResources().getRequests()).containsEntry("cpu", new Quantity("0")).containsEntry("memory", new Quantity("0"));
        assertThat(worker.getResources().getLimits()).isEqualTo(engine.getResources().getLimits()).containsEntry("memory", new Quantity("1Gi"));
        for (Container c : pod.getContainers()) {
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
        }
    }

    @Test
    void problemsNameTheFieldAndTheFix() {
        EnergySimulationBatch esb = batch();
        esb.getSpec().baseline = "nope";
        esb.getSpec().constructionSets.get(1).name = "lhs-00002";
        List<String> problems = EnergyBatchPlan.problems(esb.getSpec(), EnergyBatchPlan.variants(esb.getSpec()), 10_000);
        assertThat(problems).anyMatch(p -> p.startsWith("spec.baseline 'nope' is not a variant"));
        assertThat(problems).anyMatch(p -> p.startsWith("spec.constructionSets[lhs-00002]: the name is also a parameter sample id"));

        EnergySimulationBatch big = batch();
        big.getSpec().parameters.samples = 6000; // x 2 weather files = 12,000 runs
        assertThat(EnergyBatchPlan.problems(big.getSpec(), EnergyBatchPlan.variants(big.getSpec()), 10_000))
                .anyMatch(p -> p.contains("12004 runs") && p.contains("more than 10000"));
    }
}
