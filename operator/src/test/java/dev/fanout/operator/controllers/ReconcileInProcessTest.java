package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.results.AggregateResult;
import dev.fanout.api.results.CollectResult;
import dev.fanout.api.results.LinkResult;
import dev.fanout.api.results.LoadResult;
import dev.fanout.api.results.Results;
import dev.fanout.api.results.RowsDigest;
import dev.fanout.operator.capacity.CapacityPlanner;
import dev.fanout.operator.changes.SourceCheck;
import dev.fanout.operator.config.FanoutConfig;
import dev.fanout.operator.metrics.FanoutMetrics;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.tasks.TaskJobs;
import dev.fanout.operator.tasks.TaskOwner;
import dev.fanout.operator.tasks.TaskSet;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconcilers run in this JVM against a real API server and etcd (kube-api-test, the pinned binaries, offline) with
 * no node and no controllers: the test plays the Job controller and the kubelet by writing the pods of the Jobs the
 * operator creates, with the container states a real kubelet reports. Each case takes seconds, where the end-to-end
 * tests on the real node take minutes; those stay for what needs real pods (images, limits, evictions, PostGIS).
 */
class ReconcileInProcessTest {
    private static final String IMAGE = "fanout/worker:test";
    private static KubeAPIServer server;
    private static KubernetesClient client;
    private Operator operator;
    private MeterRegistry metrics;
    private String ns;

    @BeforeAll
    static void apiServer() throws IOException {
        server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig().withOfflineMode(true)
                .withApiServerVersion(System.getProperty("fanout.kube.version", "1.35.4")).withUpdateKubeConfig(false).build());
        server.start();
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
        Path crds = Path.of(System.getProperty("fanout.root", ".."), "crds");
        try (var files = Files.list(crds)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                client.load(Files.newInputStream(f)).serverSideApply();
            }
        }
        // One node of 8 CPUs: room for more tasks than any case's cap, so the cap is what limits.
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1").endMetadata().build()).create();
        var node = client.nodes().withName("node-1").get();
        node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
                .withAllocatable(Map.of("cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods", new Quantity("110")))
                .withCapacity(Map.of("cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods", new Quantity("110")))
                .addNewCondition().withType("Ready").withStatus("True").endCondition().build());
        client.nodes().resource(node).updateStatus();
        // The API server taints a new node not-ready (TaintNodesByCondition); a node lifecycle controller would lift it.
        client.nodes().withName("node-1").edit(n -> {
            n.getSpec().setTaints(List.of());
            return n;
        });
    }

    @AfterAll
    static void stopApiServer() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @BeforeEach
    void namespace() {
        ns = "t-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        // No controller-manager makes it: the ServiceAccount admission plugin wants it for every pod.
        client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata()
                .build()).create();
    }

    @AfterEach
    void stopOperator() {
        if (operator != null) {
            operator.stop();
            operator = null;
        }
    }

    /** The operator as Quarkus wires it, by hand: both reconcilers, a capacity planner, the settings' defaults. */
    private void startOperator() {
        startOperator(null);
    }

    /** {@code batches}: the cache of the EnergySimulationBatch informer (null: the default). */
    private void startOperator(io.fabric8.kubernetes.client.informers.cache.ItemStore<EnergySimulationBatch> batches) {
        FanoutConfig config = new SmallRyeConfigBuilder().withMapping(FanoutConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValue("fanout.worker.image", IMAGE).withDefaultValue("fanout.reconcile.requeue-while-running", "2s")
                .withDefaultValue("fanout.reconcile.lost-job-after", "3s")
                .build().getConfigMapping(FanoutConfig.class);
        CapacityPlanner planner = new CapacityPlanner(client);
        metrics = new SimpleMeterRegistry();
        FanoutMetrics fanoutMetrics = new FanoutMetrics(metrics);
        SpatialLoadReconciler sl = new SpatialLoadReconciler();
        EnergySimulationBatchReconciler esb = new EnergySimulationBatchReconciler();
        sl.sources = new SourceCheck();
        esb.sources = new SourceCheck();
        for (FanoutReconciler<?, ?> r : List.<FanoutReconciler<?, ?>>of(sl, esb)) {
            r.client = client;
            r.planner = planner;
            r.config = config;
            r.metrics = fanoutMetrics;
        }
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        // This test's namespace only: the resources earlier tests left in theirs (Jobs still running, which no kubelet ends)
        // would otherwise be reconciled again by every later operator and take the node's slots from its test.
        operator.register(sl, o -> o.settingNamespaces(ns));
        operator.register(esb, o -> {
            o.settingNamespaces(ns);
            if (batches != null) {
                o.withItemStore(batches);
            }
        });
        operator.start();
    }

    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T apply(String yaml, Class<T> type) {
        T r = Serialization.unmarshal(yaml, type);
        return client.resource(r).inNamespace(ns).create();
    }

    private static String spatialLoad(int cap, String extraSpec) {
        return """
                apiVersion: fanout.dev/v1alpha1
                kind: SpatialLoad
                metadata: {name: world}
                spec:
                  database: {secretRef: {name: postgis}, schema: public}
                  parallelism: {max: %d}
                %s  layers:
                    - {name: admin0, source: {url: "http://data/a0.zip"}, table: admin_level_0, keys: [adm0_a3]}
                    - name: admin1
                      source: {url: "http://data/a1.shp"}
                      table: admin_level_1
                      parent: {layer: admin0, column: adm0_a3, parentColumn: ADM0_A3}
                    - {name: timezones, source: {url: "http://data/tz.shp"}, table: timezones}
                """.formatted(cap, extraSpec);
    }

    /** Two construction sets of one model and weather; the second sets the insulation's {@code field}. */
    private static String batch(String field) {
        return """
                apiVersion: fanout.dev/v1alpha1
                kind: EnergySimulationBatch
                metadata: {name: walls}
                spec:
                  models: [{name: office, url: "http://data/office.idf"}]
                  weather: [{name: golden, url: "http://data/golden.epw"}]
                  energyplus: {mode: designDay}
                  constructionSets:
                    - {name: base}
                    - {name: thick, materials: {Insulation: {%s: 0.2}}}
                  results: {database: {secretRef: {name: postgis}}}
                """.formatted(field);
    }

    /** A change as kubectl patch makes it: a JSON merge patch, no resourceVersion, so it never races the operator's writes. */
    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void mergePatch(Class<T> type, String name, String patch) {
        client.resources(type).inNamespace(ns).withName(name).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
    }

    private List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace(ns).list().getItems();
    }

    private List<Job> jobsOfKind(String kind) {
        return jobs().stream().filter(j -> kind.equals(j.getMetadata().getLabels().get(TaskJobs.LABEL_KIND))).toList();
    }

    private SpatialLoad load() {
        return client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get();
    }

    /** What the kubelet reports when a Job's pod ends: its worker container terminated with this code and message. */
    private void podEnds(Job job, int exitCode, String terminationMessage) {
        podEnds(job, exitCode, terminationMessage, exitCode == 0 ? "Succeeded" : "Failed");
    }

    private Pod podEnds(Job job, int exitCode, String terminationMessage, String phase) {
        Map<String, String> labels = new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("job-name", job.getMetadata().getName());
        Pod pod = client.pods().inNamespace(ns).resource(podOf(job, labels)).create();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(phase)
                .withContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage(IMAGE).withImageID("").withReady(false)
                        .withRestartCount(0).withNewState().withNewTerminated().withExitCode(exitCode)
                        .withReason(exitCode == 0 ? "Completed" : "Error").withMessage(terminationMessage).endTerminated().endState().build())
                .build());
        return client.pods().inNamespace(ns).resource(pod).updateStatus();
    }

    /**
     * What the kubelet reports a second before {@link #podEnds}: the worker container exited with 0, the phase still Running
     * (it turns once the pod's sandbox is stopped). {@link #phaseTurns} turns it.
     */
    private Pod podExits(Job job, String terminationMessage) {
        return podEnds(job, 0, terminationMessage, "Running");
    }

    private void phaseTurns(Pod pod) {
        Pod now = client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get();
        now.getStatus().setPhase("Succeeded");
        client.pods().inNamespace(ns).resource(now).updateStatus();
    }

    /** A pod as the Job controller makes it: named after the Job, labelled with it, owned by it. */
    private static Pod podOf(Job job, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-" + job.getMetadata().getUid().substring(0, 5))
                .withLabels(labels).addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata().withNewSpec()
                .withRestartPolicy("Never").addNewContainer().withName("worker").withImage(IMAGE).endContainer().endSpec().build();
    }

    private static String loaded(String task, long rows) {
        return Results.toJson(new LoadResult(task, "public." + task, null, rows, 0, 0, 1000, "MultiPolygon", 4326, "EPSG:4326",
                new LoadResult.Seconds(0.1, 1, 1, 1, 1, 0.1, 0.1, 0.1, 1.5), null, null, null, 1000L));
    }

    private void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // What the resources said, for the report.
            throw new AssertionError(what + ": not reached in 30 s; SpatialLoads: " + Serialization.asJson(client.resources(SpatialLoad.class)
                    .inNamespace(ns).list().getItems().stream().map(r -> r.getStatus()).toList()) + "; batches: "
                    + Serialization.asJson(client.resources(EnergySimulationBatch.class).inNamespace(ns).list().getItems().stream()
                            .map(r -> r.getStatus()).toList()) + "; jobs: " + jobs().stream().map(j -> j.getMetadata().getName()).toList(), e);
        }
    }

    @Test
    void aLoadRunsItsCapAtOnceRecordsEachResultThenLinks() {
        startOperator();
        apply(spatialLoad(2, ""), SpatialLoad.class);
        await("two load Jobs, the cap", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 2);
        // The cap holds while both run: no third Job however often the resource is reconciled.
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> jobs().size() == 2);
        assertThat(load().getStatus().slots.running).isEqualTo(2);

        Map<String, Long> rows = Map.of("admin0", 600L, "admin1", 4594L, "timezones", 900L);
        List<String> first = jobsOfKind(SpatialLoadPlan.KIND).stream().map(j -> j.getMetadata().getName()).toList();
        for (Job j : jobsOfKind(SpatialLoadPlan.KIND)) {
            String task = j.getMetadata().getLabels().get(TaskJobs.LABEL_TASK);
            podEnds(j, 0, loaded(task, rows.get(task)));
        }
        await("the third layer's Job", () -> jobsOfKind(SpatialLoadPlan.KIND).stream().anyMatch(j -> !first.contains(j.getMetadata().getName())));
        Job third = jobsOfKind(SpatialLoadPlan.KIND).stream().filter(j -> !first.contains(j.getMetadata().getName())).findFirst().orElseThrow();
        podEnds(third, 0, loaded(third.getMetadata().getLabels().get(TaskJobs.LABEL_TASK), rows.get(third.getMetadata().getLabels()
                .get(TaskJobs.LABEL_TASK))));
        await("the link Job", () -> !jobsOfKind(SpatialLoadPlan.LINK_KIND).isEmpty());
        Job link = jobsOfKind(SpatialLoadPlan.LINK_KIND).get(0);
        assertThat(link.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsSequence("--link", "admin_level_1.adm0_a3=admin_level_0.ADM0_A3");
        podEnds(link, 0, Results.toJson(new LinkResult("link", List.of(new LinkResult.Link("public.admin_level_1", "adm0_a3",
                "public.admin_level_0", "ADM0_A3", "admin_level_0_fid", 4500, 94, 0, List.of("XKX"), 4594)), 0.8)));

        await("Succeeded", () -> load().getStatus().phase == Phase.Succeeded);
        SpatialLoad done = load();
        assertThat(done.getStatus().layers).extracting(l -> l.name).containsExactly("admin0", "admin1", "timezones"); // spec order
        assertThat(done.getStatus().layers).extracting(l -> l.rows).containsExactly(600L, 4594L, 900L);
        assertThat(done.getStatus().layers).allMatch(l -> l.attempts == 1 && l.phase == TaskPhase.Succeeded);
        assertThat(done.getStatus().aggregate.links).singleElement().satisfies(l -> {
            assertThat(l.linked).isEqualTo(4500);
            assertThat(l.orphans).isEqualTo(94);
        });
        assertThat(done.getStatus().progress).isEqualTo("3/3");
        // The metrics say the same: read from the statuses at scrape time, and counted as it happened.
        assertThat(metrics.get("fanout.tasks").tags("kind", "spatialload", "namespace", ns, "state", "succeeded").gauge().value())
                .isEqualTo(3);
        assertThat(metrics.get("fanout.resources").tags("kind", "spatialload", "namespace", ns, "phase", "Succeeded").gauge().value())
                .isEqualTo(1);
        assertThat(metrics.get("fanout.task.duration").tags("kind", "spatialload", "namespace", ns, "outcome", "succeeded").timer().count())
                .isEqualTo(3);
        assertThat(metrics.get("fanout.api.writes").tags("verb", "create", "resource", "jobs").counter().count()).isEqualTo(4);
        // Recorded task Jobs are deleted; the link Job stays for `kubectl logs`.
        await("task Jobs deleted", () -> jobsOfKind(SpatialLoadPlan.KIND).isEmpty());
        assertThat(jobsOfKind(SpatialLoadPlan.LINK_KIND)).hasSize(1);
    }

    /**
     * A task's outcome is recorded as soon as its pod's containers have exited with 0, before the phase turns; but the pod
     * holds its node until then, so with a cap of one the next layer's Job waits for the phase, and so does the link Job
     * after the last layer (its pod would not be placed yet). The Job is kept until then too.
     */
    @Test
    void anExitedPodIsRecordedAtOnceButKeepsItsSlotUntilItsPhaseTurns() {
        startOperator();
        apply(spatialLoad(1, ""), SpatialLoad.class);
        await("the first Job", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 1);
        Job first = jobsOfKind(SpatialLoadPlan.KIND).get(0);
        Pod exited = podExits(first, loaded("admin0", 600));
        await("admin0 recorded from its exited container", () -> load().getStatus().layers.get(0).phase == TaskPhase.Succeeded);
        assertThat(load().getStatus().layers.get(0).rows).isEqualTo(600L);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> jobsOfKind(SpatialLoadPlan.KIND)
                .stream().map(j -> j.getMetadata().getName()).toList().equals(List.of(first.getMetadata().getName())));
        phaseTurns(exited);
        await("the next layer's Job, the first one deleted", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 1
                && !jobsOfKind(SpatialLoadPlan.KIND).get(0).getMetadata().getName().equals(first.getMetadata().getName()));
        Job second = jobsOfKind(SpatialLoadPlan.KIND).get(0);
        podEnds(second, 0, loaded(second.getMetadata().getLabels().get(TaskJobs.LABEL_TASK), 100));
        await("the third layer's Job", () -> jobsOfKind(SpatialLoadPlan.KIND).stream().anyMatch(j -> !j.getMetadata().getName()
                .equals(second.getMetadata().getName())));
        Job third = jobsOfKind(SpatialLoadPlan.KIND).stream().filter(j -> !j.getMetadata().getName().equals(second.getMetadata().getName()))
                .findFirst().orElseThrow();
        Pod last = podExits(third, loaded(third.getMetadata().getLabels().get(TaskJobs.LABEL_TASK), 100));
        await("every layer recorded", () -> load().getStatus().layers.stream().allMatch(l -> l.phase == TaskPhase.Succeeded));
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> jobsOfKind(SpatialLoadPlan.LINK_KIND).isEmpty());
        phaseTurns(last);
        await("the link Job", () -> !jobsOfKind(SpatialLoadPlan.LINK_KIND).isEmpty());
    }

    @Test
    void aTransientFailureRunsAgainAsANewJobAndBadInputEndsTheTask() {
        startOperator();
        apply(spatialLoad(3, "  retry: {maxAttempts: 3}\n"), SpatialLoad.class);
        await("three Jobs", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 3);
        Job tz = jobsOfKind(SpatialLoadPlan.KIND).stream().filter(j -> j.getMetadata().getName().contains("timezones")).findFirst().orElseThrow();
        assertThat(tz.getMetadata().getName()).endsWith("-1");
        podEnds(tz, 3, "fanout-worker: transient: connection refused");
        await("attempt 2", () -> jobsOfKind(SpatialLoadPlan.KIND).stream().anyMatch(j -> j.getMetadata().getName().matches(".*timezones.*-2")));
        LayerStatus retried = load().getStatus().layers.get(2);
        assertThat(retried.attempts).isEqualTo(2);
        assertThat(retried.phase).isEqualTo(TaskPhase.Running);

        Job attempt2 = jobsOfKind(SpatialLoadPlan.KIND).stream().filter(j -> j.getMetadata().getName().matches(".*timezones.*-2")).findFirst()
                .orElseThrow();
        podEnds(attempt2, 2, "fanout-worker: bad input: no .dbf next to tz.shp\n\tat dev.fanout.X(X.java:1)\n... 12 more");
        await("timezones Failed", () -> load().getStatus().layers.get(2).phase == TaskPhase.Failed);
        LayerStatus failed = load().getStatus().layers.get(2);
        assertThat(failed.attempts).isEqualTo(2);
        assertThat(failed.message).isEqualTo("bad input, not retried: exit code 2: fanout-worker: bad input: no .dbf next to tz.shp");
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> jobsOfKind(SpatialLoadPlan.KIND).stream().noneMatch(j -> j.getMetadata().getName().endsWith("-3")));
        assertThat(load().getStatus().conditions).anyMatch(c -> c.getType().equals("Degraded") && c.getStatus().equals("True"));
        assertThat(metrics.get("fanout.task.retries").tags("namespace", ns, "class", "transient").counter().count()).isEqualTo(1);
        assertThat(metrics.get("fanout.task.failures").tags("namespace", ns, "class", "bad_input").counter().count()).isEqualTo(1);
    }

    @Test
    void aJobDeletedWhileItRunsIsTakenForAFailedAttemptAndTheTaskRunsAgain() {
        startOperator();
        apply(spatialLoad(1, ""), SpatialLoad.class);
        await("a Job", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 1);
        Job first = jobsOfKind(SpatialLoadPlan.KIND).get(0);
        assertThat(first.getMetadata().getName()).endsWith("-1");
        client.resource(first).delete(); // by hand, before it ended
        await("attempt 2", () -> jobsOfKind(SpatialLoadPlan.KIND).stream().anyMatch(j -> j.getMetadata().getName().equals(
                first.getMetadata().getName().replaceAll("-1$", "-2"))));
        // The Job is made before the status write that records it: wait for that write too.
        await("attempt 2 recorded", () -> load().getStatus().layers.stream().anyMatch(x -> x.job != null && x.job.endsWith("-2")));
        LayerStatus l = load().getStatus().layers.stream().filter(x -> x.job != null && x.job.endsWith("-2")).findFirst().orElseThrow();
        assertThat(l.attempts).isEqualTo(2);
        assertThat(metrics.get("fanout.task.retries").tags("namespace", ns, "class", "job_lost").counter().count()).isEqualTo(1);
        assertThat(client.v1().events().inNamespace(ns).list().getItems())
                .anyMatch(e -> "TaskRetry".equals(e.getReason()) && e.getMessage().contains("is gone (deleted before it ended)"));
    }

    @Test
    void aJobCreatedButNeverRecordedBeforeARestartIsAdoptedNotMadeTwice() {
        SpatialLoad sl = apply(spatialLoad(1, ""), SpatialLoad.class);
        // What a previous operator did before it was killed: created the first layer's Job, wrote no status.
        TaskSet.Planned first = SpatialLoadPlan.tasks(sl, IMAGE).get(0);
        TaskOwner owner = new TaskOwner(sl, sl.getSpec(), sl.getSpec().database.secretRef, IMAGE,
                TaskJobs.resources(sl.getSpec(), Map.of("cpu", new Quantity("500m"), "memory", new Quantity("768Mi"))), j -> List.of(),
                (reason, message) -> { }, dev.fanout.operator.tasks.TaskMetrics.NONE,
                Duration.ofMinutes(1));
        Job orphan = client.resource(TaskJobs.build(owner, new TaskJobs.Task(first.id(), first.specHash(), 1, first.args(),
                SpatialLoadPlan.KIND, first.layout()))).create();

        startOperator();
        await("the Job adopted into the status", () -> load().getStatus() != null && load().getStatus().layers.stream()
                .anyMatch(l -> orphan.getMetadata().getName().equals(l.job)));
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> jobs().size() == 1);
        assertThat(jobs()).extracting(j -> j.getMetadata().getUid()).containsExactly(orphan.getMetadata().getUid());
    }

    @Test
    void aPodThatCannotBeScheduledStallsTheResourceAndTheConditionSaysWhy() {
        startOperator();
        apply(spatialLoad(1, "  stalledAfterSeconds: 10\n"), SpatialLoad.class);
        await("a Job", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 1);
        Job job = jobsOfKind(SpatialLoadPlan.KIND).get(0);
        // What the scheduler reports for a pod no node can take.
        Map<String, String> labels = new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("job-name", job.getMetadata().getName());
        Pod pod = client.pods().inNamespace(ns).resource(podOf(job, labels)).create();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending").addNewCondition().withType("PodScheduled")
                .withStatus("False").withReason("Unschedulable").withMessage("0/1 nodes are available: 1 Insufficient memory.").endCondition()
                .build());
        client.pods().inNamespace(ns).resource(pod).updateStatus();

        await("the layer says why it waits", () -> String.valueOf(load().getStatus().layers.get(0).message).contains("is unschedulable"));
        await("Stalled", () -> load().getStatus().conditions.stream().anyMatch(c -> c.getType().equals("Stalled") && c.getStatus().equals("True")));
        var stalled = load().getStatus().conditions.stream().filter(c -> c.getType().equals("Stalled")).findFirst().orElseThrow();
        assertThat(stalled.getReason()).isEqualTo("Unschedulable");
        assertThat(stalled.getMessage()).contains("0/1 nodes are available: 1 Insufficient memory.").contains("no task changed state for");
        await("a Stalled event", () -> client.v1().events().inNamespace(ns).list().getItems().stream()
                .anyMatch(e -> "Stalled".equals(e.getReason()) && e.getMessage().startsWith("Unschedulable: ")));
        assertThat(metrics.get("fanout.task.stuck").tags("namespace", ns, "reason", "unschedulable").counter().count()).isEqualTo(1);
    }

    @Test
    void aSuspendedLoadStartsNothingUntilResumedAndARunningTaskStillFinishes() {
        startOperator();
        apply(spatialLoad(1, "  suspend: true\n"), SpatialLoad.class);
        await("Suspended", () -> load().getStatus() != null && load().getStatus().phase == Phase.Suspended);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> jobs().isEmpty());

        mergePatch(SpatialLoad.class, "world", "{\"spec\":{\"suspend\":false}}");
        await("resumed: a Job", () -> jobsOfKind(SpatialLoadPlan.KIND).size() == 1);
        Job running = jobsOfKind(SpatialLoadPlan.KIND).get(0);
        mergePatch(SpatialLoad.class, "world", "{\"spec\":{\"suspend\":true}}");
        await("Suspended again", () -> load().getStatus().phase == Phase.Suspended);
        // The running task ends and is recorded; the next one does not start.
        String task = running.getMetadata().getLabels().get(TaskJobs.LABEL_TASK);
        podEnds(running, 0, loaded(task, 242));
        await("the running task recorded", () -> load().getStatus().layers.stream().anyMatch(l -> l.name.equals(task)
                && l.phase == TaskPhase.Succeeded));
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> jobsOfKind(SpatialLoadPlan.KIND).stream().allMatch(j -> j.getMetadata().getName().equals(running.getMetadata().getName())));
        assertThat(load().getStatus().phase).isEqualTo(Phase.Suspended);
        assertThat(load().getStatus().message).startsWith("suspended (spec.suspend): 0 running finish, 2 waiting");
        assertThat(load().getStatus().conditions).anyMatch(c -> c.getType().equals("Stalled") && c.getReason().equals("Suspended"));
    }

    @Test
    void malformedSpecsEndFailedNamingTheFieldAndMakeNoJob() {
        startOperator();
        apply(spatialLoad(2, "  resources: {requests: {cpu: lots}}\n"), SpatialLoad.class);
        apply(batch("Thiknes"), EnergySimulationBatch.class);
        await("SpatialLoad Failed", () -> load().getStatus() != null && load().getStatus().phase == Phase.Failed);
        assertThat(load().getStatus().message).isEqualTo("invalid spec: spec.resources.requests.cpu: 'lots' is not a quantity; write e.g. 500m or 2");
        await("batch Failed", () -> {
            var b = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get();
            return b.getStatus() != null && b.getStatus().phase == Phase.Failed;
        });
        assertThat(client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus().message)
                .startsWith("invalid spec: spec.constructionSets[thick]: material 'Insulation' field 'Thiknes' is not a field a variant may set");
        assertThat(jobs()).isEmpty();
    }

    @Test
    void aBatchWithOneRunFailedForGoodRanksTheOthersAndSaysSo() throws InterruptedException {
        startOperator();
        apply(batch("Thickness"), EnergySimulationBatch.class);
        await("two run Jobs", () -> jobsOfKind(EnergyBatchPlan.KIND).size() == 2);
        for (Job j : jobsOfKind(EnergyBatchPlan.KIND)) {
            var worker = j.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(worker.getArgs()).containsSequence("--mode", "designDay").contains("--alone");
            if (j.getMetadata().getName().contains("thick")) {
                podEnds(j, 2, "fanout-worker: bad input: EnergyPlus did not complete (exit code 1, 1 severe errors): ** Severe ** x");
            } else {
                podEnds(j, 0, runResult("office.golden.base", 0.6));
            }
        }
        await("the aggregate Job", () -> !jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).isEmpty());
        Job agg = jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).get(0);
        assertThat(agg.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsSequence("--variants", "base,thick")
                .containsSequence("--baseline", "base");
        podEnds(agg, 0, Results.toJson(new AggregateResult("aggregate", "public.energy_results_ranked_walls", null, 1, 250.0, 250.0, 250.0,
                "base", 0.0, null, null)));
        await("Succeeded", () -> client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus().phase
                == Phase.Succeeded);
        var st = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus();
        assertThat(st.message).isEqualTo("done: 1 of 2 runs succeeded, 1 failed (see status.failures)");
        assertThat(st.failures).singleElement().satisfies(f -> {
            assertThat(f.id).isEqualTo("office.golden.thick");
            assertThat(f.message).startsWith("bad input, not retried: exit code 2: fanout-worker: bad input: EnergyPlus did not complete");
        });
        assertThat(st.aggregate.best).isEqualTo("base");
        assertThat(st.aggregate.view).isEqualTo("public.energy_results_ranked_walls");
        assertThat(st.variants.succeeded).isEqualTo(1);
        assertThat(st.variants.failed).isEqualTo(1);

        // The batch is at rest (its task Jobs deleted, nothing requeued): only the annotation can wake it now.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> jobsOfKind(EnergyBatchPlan.KIND).isEmpty());
        Thread.sleep(3000);
        // Rerun the failed run: only it runs again (a new Job), then the aggregate; the good run is not touched.
        List<String> before = jobs().stream().map(j -> j.getMetadata().getUid()).toList();
        mergePatch(EnergySimulationBatch.class, "walls", "{\"metadata\":{\"annotations\":{\"fanout.dev/rerun-failed\":\"1\"}}}");
        await("the failed run's new Job", () -> jobsOfKind(EnergyBatchPlan.KIND).stream()
                .anyMatch(j -> j.getMetadata().getName().contains("thick") && !before.contains(j.getMetadata().getUid())));
        Job rerun = jobsOfKind(EnergyBatchPlan.KIND).stream().filter(j -> j.getMetadata().getName().contains("thick")).findFirst().orElseThrow();
        assertThat(jobsOfKind(EnergyBatchPlan.KIND)).hasSize(1);
        podEnds(rerun, 0, Results.toJson(new CollectResult("office.golden.thick", "design days", 11.0, 220.0, 3, 0.6, "public.energy_results")));
        await("a new aggregate Job", () -> jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).stream()
                .anyMatch(j -> !before.contains(j.getMetadata().getUid())));
        podEnds(jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).stream().filter(j -> !before.contains(j.getMetadata().getUid())).findFirst()
                .orElseThrow(), 0, Results.toJson(new AggregateResult("aggregate", "public.energy_results_ranked_walls", null, 2, 220.0, 235.0,
                        250.0, "thick", 12.0, null, null)));
        await("Succeeded with both runs", () -> {
            var b = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus();
            return b.phase == Phase.Succeeded && b.variants.succeeded == 2;
        });
        var again = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus();
        assertThat(again.failures).isEmpty();
        assertThat(again.rerunFailed).isEqualTo("1");
        assertThat(again.aggregate.best).isEqualTo("thick");
        assertThat(again.message).isEqualTo("done");
        // The same value again does nothing.
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> jobsOfKind(EnergyBatchPlan.KIND).isEmpty());
    }

    /** Completes every run Job there is now with a result, then the aggregate once it comes; returns the run Jobs ended. */
    private List<String> completeRunsThenAggregate(List<String> seen) {
        List<String> ended = new java.util.ArrayList<>();
        for (Job j : jobsOfKind(EnergyBatchPlan.KIND)) {
            if (!seen.contains(j.getMetadata().getUid())) {
                podEnds(j, 0, runResult(j.getMetadata().getLabels().get(TaskJobs.LABEL_TASK), 0.6));
                ended.add(j.getMetadata().getLabels().get(TaskJobs.LABEL_TASK));
                seen.add(j.getMetadata().getUid());
            }
        }
        await("a new aggregate Job", () -> jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).stream().anyMatch(j -> !seen.contains(j.getMetadata().getUid())));
        Job agg = jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).stream().filter(j -> !seen.contains(j.getMetadata().getUid())).findFirst().orElseThrow();
        seen.add(agg.getMetadata().getUid());
        podEnds(agg, 0, Results.toJson(new AggregateResult("aggregate", "public.energy_results_ranked_walls", null, 4, 250.0, 250.0, 250.0,
                "base", 0.0, null, null)));
        return ended;
    }

    @Test
    void aScheduledBatchSimulatesAgainOnlyTheRunsOfTheModelThatChanged(@org.junit.jupiter.api.io.TempDir Path files) throws Exception {
        Files.writeString(files.resolve("a.idf"), "Version,25.2;");
        Files.writeString(files.resolve("b.idf"), "Version,25.2;");
        Files.writeString(files.resolve("w.epw"), "LOCATION,Golden");
        try (dev.fanout.worker.testdata.FileServer http = new dev.fanout.worker.testdata.FileServer(files)) {
            startOperator();
            apply("""
                    apiVersion: fanout.dev/v1alpha1
                    kind: EnergySimulationBatch
                    metadata: {name: walls}
                    spec:
                      schedule: {cron: "* * * * *"}
                      models: [{name: a, url: "%s"}, {name: b, url: "%s"}]
                      weather: [{name: golden, url: "%s"}]
                      energyplus: {mode: designDay}
                      constructionSets: [{name: base}, {name: thick, materials: {Insulation: {Thickness: 0.2}}}]
                      results: {database: {secretRef: {name: postgis}}}
                    """.formatted(http.url("a.idf"), http.url("b.idf"), http.url("w.epw")), EnergySimulationBatch.class);
            await("four run Jobs", () -> jobsOfKind(EnergyBatchPlan.KIND).size() == 4);
            List<String> seen = new java.util.ArrayList<>();
            assertThat(completeRunsThenAggregate(seen)).hasSize(4);
            await("run 1 ended", () -> batch().getStatus().run.completionTime != null);
            assertThat(batch().getStatus().inputs).extracting(i -> i.input).containsExactly("model/a", "model/b", "weather/golden");
            assertThat(batch().getStatus().inputs).allSatisfy(i -> assertThat(i.etag).isNotNull());
            assertThat(batch().getStatus().nextScheduleTime).isNotNull();

            // Model b changes; the next scheduled run asks the server and simulates b's two runs only, then ranks again.
            Files.writeString(files.resolve("b.idf"), "Version,25.2;\nBuilding,changed;");
            Awaitility.await("run 2's Jobs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> jobsOfKind(EnergyBatchPlan.KIND).stream().anyMatch(j -> !seen.contains(j.getMetadata().getUid())));
            Thread.sleep(1000); // every Job of the run is made in one pass; give the informer a moment to see both
            List<String> second = completeRunsThenAggregate(seen);
            assertThat(second).containsExactlyInAnyOrder("b.golden.base", "b.golden.thick");
            // Run 2 in the history (newest first): the cron is every minute, so run 3, which finds nothing changed and ends at
            // once, may already have followed it when this looks.
            await("run 2 ended", () -> batch().getStatus().runs.stream().anyMatch(r -> r.number == 2 && r.completionTime != null));
            var st = batch().getStatus();
            assertThat(st.phase).isEqualTo(Phase.Succeeded);
            assertThat(st.variants.succeeded).isEqualTo(4);
            assertThat(st.run.trigger).isEqualTo(dev.fanout.operator.crds.v1alpha1.common.RunStatus.Trigger.Schedule);
            int two = java.util.stream.IntStream.range(0, st.runs.size()).filter(i -> st.runs.get(i).number == 2).findFirst().orElseThrow();
            assertThat(st.runs.get(two).summary).isEqualTo("4 runs: 4 succeeded, 0 failed; inputs run again: model/b");
            assertThat(st.runs.get(two + 1).number).isEqualTo(1);
        }
    }

    private EnergySimulationBatch batch() {
        return client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get();
    }

    /** A batch of one model and weather with construction sets a, b, c... (each the model as it is) and this cap. */
    private static String setsBatch(int sets, int cap) {
        String names = java.util.stream.IntStream.range(0, sets).mapToObj(i -> "{name: " + (char) ('a' + i) + "}")
                .collect(java.util.stream.Collectors.joining(", "));
        return """
                apiVersion: fanout.dev/v1alpha1
                kind: EnergySimulationBatch
                metadata: {name: walls}
                spec:
                  models: [{name: office, url: "http://data/office.idf"}]
                  weather: [{name: golden, url: "http://data/golden.epw"}]
                  constructionSets: [%s]
                  parallelism: {max: %d}
                  results: {database: {secretRef: {name: postgis}}}
                """.formatted(names, cap);
    }

    /** Pack Jobs of the runs now, by their pack annotation. */
    private List<Job> packs() {
        return jobsOfKind(EnergyBatchPlan.KIND).stream().filter(TaskJobs::isPack).toList();
    }

    /**
     * Six runs, one slot: the first goes alone and is timed; the five others go to one Job (the window counts Jobs: one
     * slot, five runs running). A run that fails inside the pack fails alone: bad input for good with its own message, a
     * transient failure retried alone as attempt 2; the pack's other runs succeed, each in the ledger.
     */
    @Test
    void shortRunsGoSeveralToAJobAndEachKeepsItsOwnOutcome() throws InterruptedException {
        startOperator();
        apply(setsBatch(6, 1), EnergySimulationBatch.class);
        await("the first run alone", () -> jobsOfKind(EnergyBatchPlan.KIND).size() == 1);
        Job first = jobsOfKind(EnergyBatchPlan.KIND).get(0);
        assertThat(TaskJobs.isPack(first)).isFalse();
        Thread.sleep(1100); // the Job takes over a second: an overhead far above the run's engine time
        podEnds(first, 0, runResult("office.golden.a", 0.01));
        List<String> seen = new java.util.ArrayList<>(List.of(first.getMetadata().getUid()));
        await("a pack", () -> packs().size() == 1);
        Job pack = packs().get(0);
        assertThat(TaskJobs.members(pack)).extracting(TaskJobs.Member::id).containsExactly("office.golden.b", "office.golden.c",
                "office.golden.d", "office.golden.e", "office.golden.f");
        var worker = pack.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(worker.getArgs()).containsSequence("--edit", "r000={}").containsSequence("--edit", "r004={}")
                .containsSequence("--run", "r001=c");
        assertThat(pack.getSpec().getActiveDeadlineSeconds()).isEqualTo(5 * 7200L);
        var st = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus();
        assertThat(st.packing.runsPerJob).isEqualTo(5);
        assertThat(st.packing.runSeconds).isEqualTo(0.01);
        assertThat(st.variants.running).isEqualTo(5);
        assertThat(jobsOfKind(EnergyBatchPlan.KIND).stream().filter(j -> !seen.contains(j.getMetadata().getUid()))).hasSize(1);
        // The pack is one entry of the status, its runs by place in the run order (a..f are places 0..5).
        assertThat(st.running).isEmpty();
        assertThat(st.packs).singleElement().satisfies(p -> {
            assertThat(p.job).isEqualTo(pack.getMetadata().getName());
            assertThat(p.runs).isEqualTo("1-5");
        });

        podEnds(pack, 0, Results.toJson(new dev.fanout.api.results.PackResult("walls", 5, List.of(
                new dev.fanout.api.results.PackResult.FailedRuns("1", 3, "EnergyPlus was killed by signal 9"),
                new dev.fanout.api.results.PackResult.FailedRuns("3", 2, "EnergyPlus did not complete: ** Severe ** e")), 0.05,
                "public.energy_results", null)));
        seen.add(pack.getMetadata().getUid());
        await("c retried alone", () -> jobsOfKind(EnergyBatchPlan.KIND).stream().anyMatch(j -> !seen.contains(j.getMetadata().getUid())
                && "office.golden.c".equals(j.getMetadata().getLabels().get(TaskJobs.LABEL_TASK))));
        Job retry = jobsOfKind(EnergyBatchPlan.KIND).stream().filter(j -> !seen.contains(j.getMetadata().getUid())).findFirst().orElseThrow();
        assertThat(TaskJobs.isPack(retry)).isFalse();
        assertThat(retry.getMetadata().getLabels().get(TaskJobs.LABEL_ATTEMPT)).isEqualTo("2");
        podEnds(retry, 0, runResult("office.golden.c", 0.01));
        await("the aggregate Job", () -> !jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).isEmpty());
        podEnds(jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).get(0), 0, Results.toJson(new AggregateResult("aggregate",
                "public.energy_results_ranked_walls", null, 5, 250.0, 250.0, 250.0, "a", 0.0, null, null)));
        await("Succeeded", () -> client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus().phase
                == Phase.Succeeded);
        var done = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("walls").get().getStatus();
        assertThat(done.variants.succeeded).isEqualTo(5);
        assertThat(done.variants.failed).isEqualTo(1);
        assertThat(done.failures).singleElement().satisfies(f -> {
            assertThat(f.id).isEqualTo("office.golden.e");
            assertThat(f.attempts).isEqualTo(1);
            assertThat(f.message).isEqualTo("bad input, not retried: exit code 2: fanout-worker: bad input: EnergyPlus did not complete: "
                    + "** Severe ** e");
        });
        // Every run is in the ledger as its own entry: a restart would find each one done.
        assertThat(done.ledger).hasSize(6 * 10);
        assertThat(done.packs).isEmpty();
    }

    /**
     * Two models: a large one whose runs are short and a small one whose runs are long. Each model's first run goes first and
     * alone; once both are timed, the long model's runs go next although its file is smaller, and its packs hold an even
     * share of the seconds left, not of the runs. The order changes while a pack of the other model runs: that pack is
     * found again by its Job, none of its runs starts twice, and every run ends exactly once.
     */
    @Test
    void theModelWhoseFirstRunTookLongestGoesNextAndAReorderStartsNoRunTwice(@org.junit.jupiter.api.io.TempDir Path files) throws Exception {
        writeTwoModels(files);
        try (dev.fanout.worker.testdata.FileServer http = new dev.fanout.worker.testdata.FileServer(files)) {
            startOperator();
            applyTwoModels(http);
            await("the two first runs", () -> jobsOfKind(EnergyBatchPlan.KIND).size() == 2);
            assertThat(jobsOfKind(EnergyBatchPlan.KIND)).allSatisfy(j -> assertThat(TaskJobs.isPack(j)).isFalse())
                    .extracting(j -> j.getMetadata().getLabels().get(TaskJobs.LABEL_TASK))
                    .containsExactlyInAnyOrder("large.golden.a", "small.golden.a");
            List<String> ended = new java.util.ArrayList<>();
            // large's first run took 0.5 s: its file being the larger, its other runs are expected to be the longer; they go next.
            endRun("large.golden.a", 0.5, ended);
            await("a pack of large", () -> packs().size() == 1);
            Job large = packs().get(0);
            assertThat(TaskJobs.members(large)).extracting(TaskJobs.Member::id).allMatch(id -> id.startsWith("large.golden."));
            // small's first run took 6 s: small's runs go next, before any more of large's. The order changed while large's
            // pack runs: its runs are no longer at the places the status names.
            endRun("small.golden.a", 6.0, ended);
            await("a pack of small", () -> packs().size() == 2);
            Job small = packs().stream().filter(j -> !j.getMetadata().getUid().equals(large.getMetadata().getUid())).findFirst().orElseThrow();
            assertThat(TaskJobs.members(small)).extracting(TaskJobs.Member::id).allMatch(id -> id.startsWith("small.golden."));
            int live = TaskJobs.members(large).size() + TaskJobs.members(small).size();
            await("both packs' runs running", () -> batch().getStatus().variants.running == live);
            assertThat(batch().getStatus().packing.groups).extracting(g -> g.model + "=" + g.firstRunSeconds)
                    .containsExactlyInAnyOrder("large=0.5", "small=6.0");
            // Six runs of 6 s and the rest of large's at 0.5 s over two slots: small's pack holds half of the seconds left.
            assertThat(TaskJobs.members(small)).hasSizeLessThan(6);
            // Every run is found in exactly one Job (ended Jobs are deleted: their runs are noted as they end), none started
            // again when the order changed under a running pack.
            List<String> runs = new java.util.ArrayList<>(List.of("large.golden.a", "small.golden.a"));
            for (int round = 0; round < 10 && batch().getStatus().variants.succeeded < 14; round++) {
                for (Job j : jobsOfKind(EnergyBatchPlan.KIND)) {
                    List<String> members = TaskJobs.members(j).stream().map(TaskJobs.Member::id).toList();
                    if (ended.contains(j.getMetadata().getName())) {
                        continue;
                    }
                    runs.addAll(members);
                    if (TaskJobs.isPack(j)) {
                        podEnds(j, 0, Results.toJson(new dev.fanout.api.results.PackResult("walls", members.size(), List.of(),
                                members.size() * (members.get(0).startsWith("small") ? 6.0 : 0.5), "public.energy_results", null)));
                        ended.add(j.getMetadata().getName());
                    } else {
                        endRun(members.get(0), members.get(0).startsWith("small") ? 6.0 : 0.5, ended);
                    }
                }
                await("all done or another Job", () -> batch().getStatus().variants.succeeded == 14
                        || jobsOfKind(EnergyBatchPlan.KIND).stream().anyMatch(j -> !ended.contains(j.getMetadata().getName())));
            }
            assertThat(runs).hasSize(14).doesNotHaveDuplicates();
            assertThat(batch().getStatus().variants.succeeded).isEqualTo(14);
        }
    }

    /**
     * The pass that starts the first runs is still writing its status when one of them has ended already: the pass the
     * pod's end wakes must start from what that write recorded, not from the informer's copy before it. On that older
     * copy it would adopt the Jobs just recorded, miss the ended run's timing, start the next run alone instead of a
     * pack, and only then find its status write refused (409).
     */
    @Test
    void aPassWokenBeforeTheInformerSeesTheLastStatusWriteStartsFromThatWrite(@org.junit.jupiter.api.io.TempDir Path files) throws Exception {
        writeTwoModels(files);
        java.util.concurrent.ExecutorService kubelet = java.util.concurrent.Executors.newSingleThreadExecutor();
        // An informer that sees each change of a batch 0.3 s late, as a busy one does: the operator's own writes included.
        var lagging = new io.fabric8.kubernetes.client.informers.cache.BasicItemStore<EnergySimulationBatch>(
                io.fabric8.kubernetes.client.informers.cache.Cache::metaNamespaceKeyFunc) {
            @Override
            public EnergySimulationBatch put(String key, EnergySimulationBatch b) {
                if (get(key) != null) {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.put(key, b);
            }
        };
        // Plays a kubelet whose pod ends the moment its Job exists: while the operator's first pass is still at work.
        io.fabric8.kubernetes.client.Watcher<Job> endsAtOnce = new io.fabric8.kubernetes.client.Watcher<>() {
            @Override
            public void eventReceived(Action action, Job job) {
                if (action == Action.ADDED && "large.golden.a".equals(job.getMetadata().getLabels().get(TaskJobs.LABEL_TASK))) {
                    kubelet.submit(() -> podEnds(job, 0, runResult("large.golden.a", 0.5)));
                }
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
        };
        try (dev.fanout.worker.testdata.FileServer http = new dev.fanout.worker.testdata.FileServer(files);
                io.fabric8.kubernetes.client.Watch watch = client.batch().v1().jobs().inNamespace(ns).watch(endsAtOnce)) {
            startOperator(lagging);
            applyTwoModels(http);
            await("a pack of large", () -> packs().size() == 1);
            // No run went alone but the two first (large's ended one's Job may be deleted already).
            assertThat(jobsOfKind(EnergyBatchPlan.KIND)).filteredOn(j -> !TaskJobs.isPack(j))
                    .extracting(j -> j.getMetadata().getLabels().get(TaskJobs.LABEL_TASK)).isSubsetOf("large.golden.a", "small.golden.a");
            assertThat(TaskJobs.members(packs().get(0))).extracting(TaskJobs.Member::id).allMatch(id -> id.startsWith("large.golden."));
            assertThat(metrics.find("fanout.status.conflicts").counters()).as("status writes refused (a pass on a stale copy)").isEmpty();
        } finally {
            kubelet.shutdownNow();
        }
    }

    /** A large model file (5 KB) and a small one (13 bytes), one weather file. */
    private static void writeTwoModels(Path files) throws java.io.IOException {
        Files.writeString(files.resolve("large.idf"), "Version,25.2;\n" + "! padding\n".repeat(500));
        Files.writeString(files.resolve("small.idf"), "Version,25.2;");
        Files.writeString(files.resolve("w.epw"), "LOCATION,Golden");
    }

    /** Batch "walls": the two models of {@link #writeTwoModels} with 7 construction sets each, 2 slots. */
    private void applyTwoModels(dev.fanout.worker.testdata.FileServer http) {
        apply("""
                apiVersion: fanout.dev/v1alpha1
                kind: EnergySimulationBatch
                metadata: {name: walls}
                spec:
                  models: [{name: small, url: "%s"}, {name: large, url: "%s"}]
                  weather: [{name: golden, url: "%s"}]
                  constructionSets: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}, {name: f}, {name: g}]
                  parallelism: {max: 2}
                  results: {database: {secretRef: {name: postgis}}}
                """.formatted(http.url("small.idf"), http.url("large.idf"), http.url("w.epw")), EnergySimulationBatch.class);
    }

    /** Ends a run's Job alone with this engine time. */
    private void endRun(String id, double seconds, List<String> ended) {
        Job j = jobsOfKind(EnergyBatchPlan.KIND).stream().filter(x -> id.equals(x.getMetadata().getLabels().get(TaskJobs.LABEL_TASK)))
                .findFirst().orElseThrow();
        podEnds(j, 0, runResult(id, seconds));
        ended.add(j.getMetadata().getName());
    }

    /** What a run alone reports, with this engine time. */
    private static String runResult(String id, double seconds) {
        return Results.toJson(new CollectResult(id, "design days", 12.5, 250.0, 3, seconds, "public.energy_results"));
    }

    /** Design-day runs are short whatever the model: the first Job is already a pack, of an even share of the runs. */
    @Test
    void designDayRunsGoToPacksFromTheFirstJob() {
        startOperator();
        apply(setsBatch(6, 2).replace("  results:", "  energyplus: {mode: designDay}\n  results:"), EnergySimulationBatch.class);
        await("two packs", () -> packs().size() == 2);
        assertThat(jobsOfKind(EnergyBatchPlan.KIND)).hasSize(2);
        assertThat(packs()).allSatisfy(p -> assertThat(TaskJobs.members(p)).hasSize(3));
        await("the status", () -> batch().getStatus().variants.running == 6);
    }

    /** The two design-day packs of six runs on two slots: both start with nothing waiting, so both may end the batch. */
    private List<Job> twoLastPacks() {
        startOperator();
        apply(setsBatch(6, 2).replace("  results:", "  energyplus: {mode: designDay}\n  results:"), EnergySimulationBatch.class);
        await("two packs", () -> packs().size() == 2);
        List<Job> two = packs();
        for (Job p : two) {
            List<String> collect = p.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
            assertThat(collect).contains("--rank").containsSequence("--baseline", "a");
            List<TaskJobs.Member> members = TaskJobs.members(p);
            for (int i = 0; i < members.size(); i++) { // each row is stored with its run's spec hash
                assertThat(collect).containsSequence("--run-hash", dev.fanout.api.args.PackRun.dirName(i) + "=" + members.get(i).specHash());
            }
        }
        return two;
    }

    /** What a pack's collect --rank reports: its runs' rows written, then a ranking of {@code rows} (and these rows' digest). */
    private static String rankedPack(Job pack, long rows, RowsDigest digest) {
        return Results.toJson(new dev.fanout.api.results.PackResult("walls", TaskJobs.members(pack).size(), List.of(), 0.05,
                "public.energy_results", null, null, new AggregateResult("aggregate", "public.energy_results_ranked_walls", null, rows,
                        240.0, 245.0, 250.0, "d", 4.0, null, null, digest.toString())));
    }

    private static RowsDigest rowsOf(Job... packs) {
        RowsDigest d = new RowsDigest();
        for (Job p : packs) {
            TaskJobs.members(p).forEach(m -> d.add("office", "golden", m.id().substring(m.id().lastIndexOf('.') + 1), m.specHash()));
        }
        return d;
    }

    /**
     * The batch's last pack ranked it once its rows were in, and its digest says the ranking is of exactly the batch's six
     * runs: that is the aggregate's result, no aggregate Job is made. The first pack's ranking (of its own three rows, the
     * other pack still running) is not taken.
     */
    @Test
    void theLastPacksRankingOfEveryRunIsTheAggregateAndNoAggregateJobRuns() {
        List<Job> two = twoLastPacks();
        podEnds(two.get(0), 0, rankedPack(two.get(0), 3, rowsOf(two.get(0))));
        await("three runs recorded", () -> batch().getStatus().variants.succeeded == 3);
        podEnds(two.get(1), 0, rankedPack(two.get(1), 6, rowsOf(two.get(0), two.get(1))));
        await("Succeeded", () -> batch().getStatus().phase == Phase.Succeeded);
        var st = batch().getStatus();
        assertThat(st.aggregate.phase).isEqualTo(TaskPhase.Succeeded);
        assertThat(st.aggregate.rows).isEqualTo(6);
        assertThat(st.aggregate.best).isEqualTo("d");
        assertThat(st.aggregate.job).isEqualTo(two.get(1).getMetadata().getName());
        assertThat(st.aggregate.message).contains("ranked by the batch's last pack");
        assertThat(jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND)).isEmpty();
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).isEmpty() && batch().getStatus().phase == Phase.Succeeded);
    }

    /**
     * Two packs ending together: the one whose ranking saw every row is recorded first, while the other's runs still
     * run (so its ranking is not yet of every succeeded run); the other's ranking missed the first's last row. The first
     * ranking is still the batch's once the second pack is recorded: no aggregate Job.
     */
    @Test
    void theCompleteRankingIsTheAggregateEvenWhenItsPackIsRecordedBeforeTheOther() {
        List<Job> two = twoLastPacks();
        podEnds(two.get(1), 0, rankedPack(two.get(1), 6, rowsOf(two.get(0), two.get(1))));
        await("three runs recorded", () -> batch().getStatus().variants.succeeded == 3);
        podEnds(two.get(0), 0, rankedPack(two.get(0), 5, rowsOf(two.get(1))));
        await("Succeeded", () -> batch().getStatus().phase == Phase.Succeeded);
        var st = batch().getStatus();
        assertThat(st.aggregate.rows).isEqualTo(6);
        assertThat(st.aggregate.job).isEqualTo(two.get(1).getMetadata().getName());
        assertThat(jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND)).isEmpty();
    }

    /**
     * A last pack's ranking that counted a row the batch no longer has (a variant removed from the spec) is not the
     * batch's: the aggregate Job runs, removes that row and ranks.
     */
    @Test
    void aRankingOfOtherRowsThanTheBatchsRunsLeavesItToTheAggregateJob() {
        List<Job> two = twoLastPacks();
        podEnds(two.get(0), 0, rankedPack(two.get(0), 3, rowsOf(two.get(0))));
        podEnds(two.get(1), 0, rankedPack(two.get(1), 7, rowsOf(two.get(0), two.get(1)).add("office", "golden", "removed", "h")));
        await("the aggregate Job", () -> !jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).isEmpty());
        assertThat(batch().getStatus().phase).isNotEqualTo(Phase.Succeeded);
        podEnds(jobsOfKind(EnergyBatchPlan.AGGREGATE_KIND).get(0), 0, Results.toJson(new AggregateResult("aggregate",
                "public.energy_results_ranked_walls", 1L, 6, 240.0, 245.0, 250.0, "d", 4.0, null, null)));
        await("Succeeded", () -> batch().getStatus().phase == Phase.Succeeded);
        assertThat(batch().getStatus().aggregate.rows).isEqualTo(6);
    }

    /** A large window is not filled with runs alone before one is timed: four probes, then the rest as the timing says. */
    @Test
    void onlyAFewRunsGoAloneUntilOneIsTimed() {
        startOperator();
        apply(setsBatch(8, 8), EnergySimulationBatch.class);
        await("four probes", () -> jobsOfKind(EnergyBatchPlan.KIND).size() == 4);
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> jobsOfKind(EnergyBatchPlan.KIND).size() == 4);
        Job probe = jobsOfKind(EnergyBatchPlan.KIND).get(0);
        podEnds(probe, 0, Results.toJson(new CollectResult(probe.getMetadata().getLabels().get(TaskJobs.LABEL_TASK), "design days", 12.5,
                250.0, 3, 0.6, "public.energy_results", 60.0)));
        // Timed (a run longer than any Job overhead here: alone is right): the other four start at once.
        await("the window filled", () -> jobsOfKind(EnergyBatchPlan.KIND).stream().filter(j -> !j.getMetadata().getUid()
                .equals(probe.getMetadata().getUid())).count() == 7);
    }
}
