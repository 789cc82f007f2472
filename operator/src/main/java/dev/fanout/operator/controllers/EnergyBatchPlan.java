package dev.fanout.operator.controllers;

import dev.fanout.api.SampleIds;
import dev.fanout.api.VariantEdit;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.AggregateArgs;
import dev.fanout.api.args.CollectArgs;
import dev.fanout.api.args.PackArgs;
import dev.fanout.api.args.PackRun;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ConstructionSet;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergyPlusSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputFile;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskSet;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An EnergySimulationBatch's plan: the variants (construction sets, then parameter samples), one run per model x weather x
 * variant with the id {@code <model>.<weather>.<variant>}: a model and weather's runs together, so they pack, the longest
 * first ({@link #longestFirst}); with several models or weather files, the first run of each goes first and alone, so that
 * its time orders the rest. And each run's pod: init container `energy prepare` (model,
 * weather, variant -> in.idf/in.epw on the shared emptyDir), init container `energyplus` (the engine image unchanged; its
 * exit code is written down instead of failing the pod, so that collect can report the .err), then the worker container
 * `energy collect`. Also the aggregate task and the checks the schema cannot make.
 */
final class EnergyBatchPlan {
    static final String KIND = "energybatch";
    static final String AGGREGATE_KIND = "energybatch-aggregate";
    private static final String WORK = WorkerContract.WORK_DIR;
    private static final String OUTPUTS = "/outputs";

    /**
     * A variant: its id and the edit `energy prepare --variant` applies.
     *
     * @param sampled drawn by the parameter sampler: such variants change all together (see {@link TaskSet.Planned#series})
     */
    record Variant(String id, VariantEdit edit, boolean sampled) {
        Variant(String id, VariantEdit edit) {
            this(id, edit, false);
        }
    }

    private EnergyBatchPlan() {
    }

    static List<Variant> variants(EnergySimulationBatchSpec spec) {
        List<Variant> out = new ArrayList<>();
        if (spec.constructionSets != null) {
            for (ConstructionSet c : spec.constructionSets) {
                out.add(new Variant(c.name, new VariantEdit(c.constructions, c.materials)));
            }
        }
        if (spec.parameters != null && ParameterSampler.count(spec.parameters) <= ParameterSampler.MAX_VARIANTS) {
            for (ParameterSampler.Sample s : ParameterSampler.samples(spec.parameters)) {
                out.add(new Variant(s.id(), new VariantEdit(Map.of(), s.materials()), true));
            }
        }
        return out;
    }

    /** The baseline: as given, else the first construction set (often the unchanged model), else none. */
    static String baseline(EnergySimulationBatchSpec spec) {
        if (spec.baseline != null) {
            return spec.baseline;
        }
        return spec.constructionSets == null || spec.constructionSets.isEmpty() ? null : spec.constructionSets.get(0).name;
    }

    static String runId(String model, String weather, String variant) {
        return CollectArgs.runId(model, weather, variant);
    }

    /** The runs with their pods (what {@link #plan} holds, each completed by {@link #pod}). */
    static List<TaskSet.Planned> tasks(EnergySimulationBatch esb, List<Variant> variants, String workerImage) {
        Map<String, EnergyBatchPacker.Run> runs = runs(esb.getSpec(), variants);
        return plan(esb, variants, workerImage).stream().map(t -> pod(esb, t, runs.get(t.id()), workerImage)).toList();
    }

    /**
     * The runs in order with their ids, spec fingerprints and pack keys, but without their pods (arguments and containers):
     * a batch of 100,000 runs is planned on every pass, and only the runs that start need a pod ({@link #pod}).
     */
    static List<TaskSet.Planned> plan(EnergySimulationBatch esb, List<Variant> variants, String workerImage) {
        return plan(esb, variants, workerImage, severalGroups(esb.getSpec()));
    }

    /** The same; {@code timeEachGroup}: each model and weather's first run goes first and alone, to be timed. */
    static List<TaskSet.Planned> plan(EnergySimulationBatch esb, List<Variant> variants, String workerImage, boolean timeEachGroup) {
        EnergySimulationBatchSpec spec = esb.getSpec();
        Map<String, String> revisions = new java.util.HashMap<>(); // model/<name>, weather/<name> -> revision
        if (esb.getStatus() != null) {
            esb.getStatus().inputs.stream().filter(i -> i.revision != null).forEach(i -> revisions.put(i.input, i.revision));
        }
        EnergyPlusSpec ep = spec.energyplus == null ? new EnergyPlusSpec() : spec.energyplus;
        List<TaskSet.Planned> probes = new ArrayList<>(); // the first run of each model and weather, when there are several
        List<TaskSet.Planned> rest = new ArrayList<>();
        for (Group g : longestFirst(spec, esb.getStatus())) {
            InputFile model = g.model();
            InputFile weather = g.weather();
            String modelJson = Serialization.asJson(model);
            String weatherJson = Serialization.asJson(weather);
            String revision = revised(revisions, "model/" + model.name, "weather/" + weather.name);
            String packKey = packKey(model, weather);
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get(i);
                String id = runId(model.name, weather.name, v.id());
                String hash = TaskJobs.hash(modelJson, weatherJson, v.edit().toJson(), ep.image, ep.mode, workerImage,
                        spec.results.database.secretRef.name, spec.results.database.schema, spec.results.table,
                        spec.outputs == null ? null : spec.outputs.claimName);
                if (revision != null) {
                    hash = TaskJobs.hash(hash, revision); // a changed input file: the runs using it run again
                }
                String series = v.sampled() ? packKey : null;
                if (timeEachGroup && i == 0 && !shortByConstruction(spec)) {
                    // Alone and early: its time orders the rest of its model and weather's runs among the others.
                    probes.add(new TaskSet.Planned(id, hash, List.of(), TaskJobs.Layout.WORKER_ONLY, null, series));
                } else {
                    rest.add(new TaskSet.Planned(id, hash, List.of(), TaskJobs.Layout.WORKER_ONLY, packKey, series));
                }
            }
        }
        probes.addAll(rest);
        return probes;
    }

    /** Runs of one model with one weather file: they take about as long as each other, and may share a Job. */
    record Group(InputFile model, InputFile weather) {
    }

    /** Design-day runs: short whatever the model, packed from the first Job on ({@link EnergyBatchPacker}). */
    static boolean shortByConstruction(EnergySimulationBatchSpec spec) {
        return spec.energyplus != null && spec.energyplus.mode == dev.fanout.api.SimulationMode.designDay;
    }

    /** Whether the batch has runs of more than one model and weather file (which may take very different times). */
    static boolean severalGroups(EnergySimulationBatchSpec spec) {
        return spec.models.size() * spec.weather.size() > 1;
    }

    /** The group of a run id, as {@link #packKey} names it. */
    static String groupOf(String runId) {
        String[] mw = modelAndWeather(runId);
        return group(mw[0], mw[1]);
    }

    /** The model and weather names of a run id ({@code <model>.<weather>.<variant>}, see {@link #runId}: names hold no dots). */
    static String[] modelAndWeather(String runId) {
        int model = runId.indexOf('.');
        int weather = runId.indexOf('.', model + 1);
        return new String[] {runId.substring(0, model), runId.substring(model + 1, weather)};
    }

    /** A model and weather's key: the pack key of their runs, the key of their timing. */
    static String group(String model, String weather) {
        return model + "/" + weather;
    }

    /** A planned run (from {@link #plan}) with its pod. */
    static TaskSet.Planned pod(EnergySimulationBatch esb, TaskSet.Planned t, EnergyBatchPacker.Run run, String workerImage) {
        TaskSet.Planned p = run(esb, t.id(), t.specHash(), run.model(), run.weather(), run.variant(), workerImage);
        return new TaskSet.Planned(p.id(), p.specHash(), p.args(), p.layout(), t.packKey(), t.series()); // a first run stays alone
    }

    /**
     * The models with their weather files, the longest runs first (started last, a long run would end the batch alone):
     * by the measured time of their first run (status.packing.groups); the others by their model's length as its server
     * reported it (status.inputs), in seconds at the rate the timed ones ran at if any were; models of unknown size
     * (ConfigMap, volume) not yet timed after, in spec order.
     */
    static List<Group> longestFirst(EnergySimulationBatchSpec spec, EnergySimulationBatchStatus status) {
        Map<String, Long> length = new java.util.HashMap<>();
        Map<String, Double> timed = new java.util.HashMap<>();
        if (status != null) {
            status.inputs.stream().filter(i -> i.length != null && i.input.startsWith("model/"))
                    .forEach(i -> length.put(i.input.substring("model/".length()), i.length));
            if (status.packing != null && status.packing.groups != null) {
                status.packing.groups.stream().filter(g -> g.firstRunSeconds != null)
                        .forEach(g -> timed.put(group(g.model, g.weather), g.firstRunSeconds));
            }
        }
        List<Group> groups = new ArrayList<>();
        double seconds = 0;
        double bytes = 0;
        for (InputFile model : spec.models) {
            for (InputFile weather : spec.weather) {
                groups.add(new Group(model, weather));
                Double t = timed.get(group(model.name, weather.name));
                if (t != null && length.containsKey(model.name)) {
                    seconds += t;
                    bytes += length.get(model.name);
                }
            }
        }
        double perByte = bytes > 0 ? seconds / bytes : Double.NaN;
        Map<Group, Double> expected = new java.util.HashMap<>();
        for (Group g : groups) {
            Double t = timed.get(group(g.model().name, g.weather().name));
            Long n = length.get(g.model().name);
            if (t != null) {
                expected.put(g, t);
            } else if (n != null && !timed.isEmpty()) {
                expected.put(g, Double.isNaN(perByte) ? null : n * perByte);
            } else if (n != null) {
                expected.put(g, (double) n); // nothing timed yet: lengths only compare with each other
            }
        }
        groups.sort(java.util.Comparator.comparing((Group g) -> expected.get(g), java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder())));
        return groups;
    }

    /** The runs of the plan by id, for the packer: model, weather and variant of each. */
    static Map<String, EnergyBatchPacker.Run> runs(EnergySimulationBatchSpec spec, List<Variant> variants) {
        Map<String, EnergyBatchPacker.Run> out = new java.util.HashMap<>();
        for (Variant v : variants) {
            for (InputFile model : spec.models) {
                for (InputFile weather : spec.weather) {
                    out.put(runId(model.name, weather.name, v.id()), new EnergyBatchPacker.Run(model, weather, v));
                }
            }
        }
        return out;
    }

    private static String revised(Map<String, String> revisions, String model, String weather) {
        String m = revisions.get(model);
        String w = revisions.get(weather);
        return m == null && w == null ? null : m + "|" + w;
    }

    /**
     * A run of its own: a pack's pod ({@link #packPod}) for its one run, reporting as that run. Its row carries
     * its spec hash as a pack's do, so that a later pack's ranking can count it (RowsDigest).
     */
    private static TaskSet.Planned run(EnergySimulationBatch esb, String id, String hash, InputFile model, InputFile weather,
            Variant v, String workerImage) {
        Pod pod = packPod(esb, model, weather, List.of(new PackRun(PackRun.dirName(0), v.id(), v.edit(), hash)), null, true, workerImage);
        return new TaskSet.Planned(id, hash, pod.args(), pod.layout(), packKey(model, weather));
    }

    /** The volumes, the input paths the worker reads, the outputs claim and the directory outputs are kept under (or null). */
    private record Mounted(Volumes volumes, String model, String weather, List<VolumeMount> mainMounts, String keep) {
    }

    private static Mounted mount(EnergySimulationBatch esb, InputFile model, InputFile weather) {
        Volumes volumes = new Volumes();
        String modelPath = volumes.input(model, "model.idf");
        String weatherPath = volumes.input(weather, "in.epw");
        List<VolumeMount> mainMounts = new ArrayList<>();
        String keep = null;
        if (esb.getSpec().outputs != null) {
            mainMounts.add(volumes.outputs(esb.getSpec().outputs.claimName));
            keep = OUTPUTS + "/" + esb.getMetadata().getName();
        }
        return new Mounted(volumes, modelPath, weatherPath, mainMounts, keep);
    }

    /** Runs of one model and weather may share a Job: its prepare reads them once. */
    static String packKey(InputFile model, InputFile weather) {
        return group(model.name, weather.name);
    }

    /**
     * A pack's pod: two containers started together, the worker ({@code energy pack}: prepares each run into its directory
     * under the work dir, then collects each as it ends) and the engine script beside it, which runs each run once it is
     * prepared ({@link PackRun#engineScript}). No init containers: each container hand-off costs a kubelet sync (about a
     * second), and the engine starts on the first run while the worker prepares the others.
     */
    static TaskSet.Planned pack(EnergySimulationBatch esb, InputFile model, InputFile weather, List<Variant> variants, String workerImage) {
        return pack(esb, model, weather, variants, null, false, workerImage);
    }

    /**
     * A pack whose worker stores each run's spec hash ({@code hashes}, in the variants' order) with its row and, when
     * {@code mayEnd} (nothing waits after it) and no CSV is wanted (the aggregate writes it to the outputs claim), ranks
     * the batch after writing them: see {@link EnergySimulationBatchReconciler}.
     */
    static TaskSet.Planned pack(EnergySimulationBatch esb, InputFile model, InputFile weather, List<Variant> variants, List<String> hashes,
            boolean mayEnd, String workerImage) {
        List<PackRun> runs = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            runs.add(new PackRun(PackRun.dirName(i), variants.get(i).id(), variants.get(i).edit(), hashes == null ? null : hashes.get(i)));
        }
        PackArgs.Rank rank = mayEnd && esb.getSpec().outputs == null ? new PackArgs.Rank(baseline(esb.getSpec())) : null;
        Pod pod = packPod(esb, model, weather, runs, rank, false, workerImage);
        return new TaskSet.Planned("pack", "", pod.args(), pod.layout());
    }

    /** A run's or a pack's worker arguments and pod layout. */
    private record Pod(List<String> args, TaskJobs.Layout layout) {
    }

    /**
     * The worker container ({@code energy pack}, the inputs and the outputs claim mounted) and beside it the engine
     * container running the engine script over the runs' directories.
     */
    private static Pod packPod(EnergySimulationBatch esb, InputFile model, InputFile weather, List<PackRun> runs, PackArgs.Rank rank,
            boolean alone, String workerImage) {
        EnergySimulationBatchSpec spec = esb.getSpec();
        EnergyPlusSpec ep = spec.energyplus == null ? new EnergyPlusSpec() : spec.energyplus;
        Mounted m = mount(esb, model, weather);
        List<String> args = new PackArgs(m.model(), m.weather(), ep.mode, WORK, esb.getMetadata().getName(), model.name, weather.name,
                spec.results.database.schema, spec.results.table, m.keep(), runs, rank, alone).toArgs();
        List<VolumeMount> mounts = new ArrayList<>(m.volumes().inputMounts);
        mounts.addAll(m.mainMounts());
        TaskJobs.Step engine = new TaskJobs.Step("energyplus", ep.image, List.of("/bin/sh", "-c", PackRun.engineScript(WORK, runs.size())),
                null, List.of(), List.of());
        return new Pod(args, new TaskJobs.Layout(List.of(), TaskJobs.SHORT_JVM, mounts, m.volumes().list(), engine));
    }

    static TaskSet.Planned aggregateTask(EnergySimulationBatch esb, List<TaskSet.Planned> runs) {
        EnergySimulationBatchSpec spec = esb.getSpec();
        String batch = esb.getMetadata().getName();
        Volumes volumes = new Volumes();
        List<VolumeMount> mounts = new ArrayList<>();
        String csv = null;
        if (spec.outputs != null) {
            mounts.add(volumes.outputs(spec.outputs.claimName));
            csv = OUTPUTS + "/" + batch + "/ranked.csv";
        }
        // The batch as it is now: rows of runs its spec no longer has (a removed variant, model or weather) are dropped.
        List<String> args = new AggregateArgs(batch, spec.results.database.schema, spec.results.table, baseline(spec),
                spec.models.stream().map(m -> m.name).toList(), spec.weather.stream().map(w -> w.name).toList(),
                spec.constructionSets == null ? null : spec.constructionSets.stream().map(c -> c.name).toList(),
                spec.parameters == null ? null : SampleIds.range(ParameterSampler.method(spec.parameters), ParameterSampler.count(spec.parameters)),
                csv).toArgs();
        List<String> hashes = runs.stream().map(TaskSet.Planned::specHash).sorted().toList();
        return new TaskSet.Planned("aggregate", TaskJobs.hash(TaskJobs.hash(hashes.toArray()), args), args,
                new TaskJobs.Layout(List.of(), TaskJobs.SHORT_JVM, mounts, volumes.list()));
    }

    /** What the schema cannot say. Empty when the spec is fine. */
    static List<String> problems(EnergySimulationBatchSpec spec, List<Variant> variants, int maxRuns) {
        List<String> out = new ArrayList<>();
        if (spec.parameters != null) {
            long n = ParameterSampler.count(spec.parameters);
            if (n > ParameterSampler.MAX_VARIANTS) {
                out.add("spec.parameters makes " + n + " samples, more than " + ParameterSampler.MAX_VARIANTS
                        + ": use fewer values or steps, or latinHypercube");
            }
        }
        long runs = (long) variants.size() * spec.models.size() * spec.weather.size();
        if (runs > maxRuns) {
            out.add("the batch has " + runs + " runs (models x weather x variants), more than " + maxRuns + " (the operator's "
                    + "fanout.batch.max-runs): split it");
        }
        if (spec.constructionSets != null) {
            for (ConstructionSet c : spec.constructionSets) {
                new VariantEdit(c.constructions, c.materials).problems()
                        .forEach(p -> out.add("spec.constructionSets[" + c.name + "]: " + p));
            }
        }
        if (spec.parameters != null && spec.parameters.fields != null) {
            for (int i = 0; i < spec.parameters.fields.size(); i++) {
                var f = spec.parameters.fields.get(i);
                if (f.field != null && !VariantEdit.settableNames().contains(f.field.toLowerCase(java.util.Locale.ROOT))) {
                    out.add("spec.parameters.fields[" + i + "].field '" + f.field + "' is not a field a variant may set; allowed: "
                            + String.join(", ", VariantEdit.settableNames()));
                }
            }
        }
        Set<String> ids = new HashSet<>();
        for (Variant v : variants) {
            if (!ids.add(v.id())) {
                out.add("spec.constructionSets[" + v.id() + "]: the name is also a parameter sample id; rename the set");
            }
        }
        String baseline = baseline(spec);
        if (spec.baseline != null && !ids.contains(baseline)) {
            out.add("spec.baseline '" + baseline + "' is not a variant of this batch: name a construction set or a sample id");
        }
        return out;
    }

    /** The pod's volumes: inputs read-only under /inputs, the outputs claim at /outputs; one volume per claim. */
    private static final class Volumes {
        final Map<String, Volume> volumes = new LinkedHashMap<>();
        final List<VolumeMount> inputMounts = new ArrayList<>();

        /** Adds the volume an input comes from, returns the input's path in the prepare container (or its URL). */
        String input(InputFile f, String fileName) {
            if (f.url != null) {
                return f.url;
            }
            if (f.configMapKeyRef != null) {
                String name = "cm-" + f.name;
                volumes.put(name, new VolumeBuilder().withName(name).withNewConfigMap().withName(f.configMapKeyRef.name)
                        .addNewItem().withKey(f.configMapKeyRef.key).withPath(fileName).endItem().endConfigMap().build());
                inputMounts.add(new VolumeMountBuilder().withName(name).withMountPath("/inputs/" + name).withReadOnly(true).build());
                return "/inputs/" + name + "/" + fileName;
            }
            String name = claimVolume(f.persistentVolumeClaim.claimName);
            if (inputMounts.stream().noneMatch(m -> m.getName().equals(name))) {
                inputMounts.add(new VolumeMountBuilder().withName(name).withMountPath("/inputs/" + name).withReadOnly(true).build());
            }
            return "/inputs/" + name + "/" + f.persistentVolumeClaim.path;
        }

        VolumeMount outputs(String claim) {
            return new VolumeMountBuilder().withName(claimVolume(claim)).withMountPath(OUTPUTS).build();
        }

        private String claimVolume(String claim) {
            String name = "pvc-" + TaskJobs.hash(claim);
            volumes.putIfAbsent(name, new VolumeBuilder().withName(name).withNewPersistentVolumeClaim().withClaimName(claim)
                    .endPersistentVolumeClaim().build());
            return name;
        }

        List<Volume> list() {
            return List.copyOf(volumes.values());
        }
    }
}
