package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ConstructionSet;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.OutputsSpec;
import dev.fanout.worker.TestDatabase;
import dev.fanout.worker.testdata.FileServer;
import dev.fanout.worker.testdata.SharedData;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/energy-simulation-batch.yaml end to end with the real engine: the model from a ConfigMap, the weather over
 * http, 3 construction sets + 4 Latin hypercube samples + one variant EnergyPlus rejects, one Job per run (prepare, the
 * engine, collect) on the local node, rows in PostGIS, the ranked view and the CSV on an outputs PVC.
 */
class EnergySimulationBatchIT {
    static final String SCHEMA = "e2e_energy";
    @TempDir
    static Path dir;
    static KubernetesClient client;
    static OperatorProcess operator;
    static FileServer http;
    static String ns;

    @BeforeAll
    static void setUp() throws Exception {
        Path ep = SharedData.root().resolve("energyplus");
        Files.createDirectories(dir.resolve("energyplus"));
        Files.copy(ep.resolve("USA_CO_Golden-NREL.724666_TMY3.epw"), dir.resolve("energyplus/USA_CO_Golden-NREL.724666_TMY3.epw"));
        http = new FileServer(dir);
        client = TestBed.client();
        ns = TestBed.namespace(client, "energy");
        TestBed.dropSchema(SCHEMA);
        // What the example's comment says to run: kubectl create configmap energy-models --from-file=5ZoneAirCooled.idf
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("energy-models").endMetadata()
                .addToData("5ZoneAirCooled.idf", Files.readString(ep.resolve("5ZoneAirCooled.idf"))).build()).create();
        // An outputs claim bound to a static hostPath volume (the test bed has no provisioner), writable by the pods' uid.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // pods enter it
        Files.createDirectories(outputsDir());
        Files.setPosixFilePermissions(outputsDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        TestBed.hostPathClaim(client, ns, "energy-outputs", outputsDir(), "ReadWriteOnce");
        operator = new OperatorProcess("EnergySimulationBatchIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (operator != null) {
            operator.close();
        }
        if (client != null) {
            client.namespaces().withName(ns).delete();
            client.persistentVolumes().withName(ns + "-energy-outputs").delete();
            client.close();
        }
        if (http != null) {
            http.close();
        }
    }

    /** The example as a user applies it, pointed at this test's file server and schema. */
    static EnergySimulationBatch example() throws Exception {
        String yaml = Files.readString(Path.of(System.getProperty("fanout.root", "..")).resolve("examples/energy-simulation-batch.yaml"))
                .replace("http://10.88.0.1:18080/", http.url(""));
        List<String> docs = List.of(yaml.split("\n---\n"));
        assertThat(docs).anyMatch(d -> d.contains("kind: Secret")); // the test namespace has that Secret already
        EnergySimulationBatch esb = Serialization.unmarshal(docs.stream().filter(d -> d.contains("kind: EnergySimulationBatch"))
                .findFirst().orElseThrow(), EnergySimulationBatch.class);
        esb.getSpec().results.database.schema = SCHEMA;
        esb.getSpec().energyplus.image = TestBed.ENERGYPLUS_IMAGE;
        return esb;
    }


    EnergySimulationBatch get() {
        return client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("five-zone").get();
    }

    /** The outputs volume's directory on the node (this machine). */
    static Path outputsDir() {
        return dir.resolve("pv");
    }

    @Test
    void runsEveryVariantWithTheRealEngineRanksThemAndReportsTheBrokenOne() throws Exception {
        EnergySimulationBatch esb = example();
        ConstructionSet broken = new ConstructionSet();
        broken.name = "broken";
        broken.materials = Map.of("IN46", Map.of("Thickness", -0.1)); // EnergyPlus refuses it: a fatal error, this run only
        esb.getSpec().constructionSets.add(broken);
        esb.getSpec().outputs = new OutputsSpec();
        esb.getSpec().outputs.claimName = "energy-outputs";
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(EnergySimulationBatch.class).inNamespace(ns).resource(esb).create();
            EnergySimulationBatch done = TestBed.awaitEnded(client, ns, EnergySimulationBatch.class, "five-zone",
                    Duration.ofMinutes(6), Duration.ofSeconds(1));
            var st = done.getStatus();
            assertThat(st.phase).as(st.message).isEqualTo(Phase.Succeeded);
            assertThat(st.variants.total).isEqualTo(8);
            assertThat(st.variants.succeeded).isEqualTo(7);
            assertThat(st.variants.failed).isEqualTo(1);
            assertThat(st.progress).isEqualTo("8/8");
            assertThat(st.message).contains("7 of 8 runs succeeded, 1 failed");
            assertThat(st.conditions).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Degraded");
                assertThat(c.getStatus()).isEqualTo("True");
            });
            assertThat(st.failures).singleElement().satisfies(f -> {
                assertThat(f.id).isEqualTo("five-zone.golden.broken");
                assertThat(f.attempts).isEqualTo(1); // a fatal engine error is bad input: not retried
                assertThat(f.message).contains("EnergyPlus did not complete").contains("severe");
            });
            assertThat(st.running).isEmpty();
            assertThat(st.ledger).as("the four construction sets, one by one").hasSize(4 * 10);
            assertThat(st.ledgerBlocks).as("the four samples, in one block: all succeeded at the first attempt")
                    .matches("[A-Za-z0-9_-]{8}=S1:4,");

            // The summary from the aggregate, and the table and view it summarises.
            var agg = st.aggregate;
            assertThat(agg.rows).isEqualTo(7);
            assertThat(agg.view).isEqualTo(SCHEMA + ".energy_results_ranked_five_zone");
            assertThat(agg.minEui).isPositive().isLessThanOrEqualTo(agg.medianEui);
            assertThat(agg.medianEui).isLessThanOrEqualTo(agg.maxEui);
            Map<String, Double> eui = new LinkedHashMap<>();
            Map<String, Double> savings = new LinkedHashMap<>();
            try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT variant, site_eui_mj_m2, savings_percent, basis, model, weather FROM " + agg.view
                         + " ORDER BY rank")) {
                while (rs.next()) {
                    eui.put(rs.getString(1), rs.getDouble(2));
                    savings.put(rs.getString(1), rs.getDouble(3));
                    assertThat(rs.getString(4)).isEqualTo("design-days");
                    assertThat(rs.getString(5)).isEqualTo("five-zone");
                    assertThat(rs.getString(6)).isEqualTo("golden");
                }
            }
            assertThat(eui.keySet()).containsExactlyInAnyOrder("baseline", "insulated-ceiling", "light-roof", "lhs-00001", "lhs-00002",
                    "lhs-00003", "lhs-00004");
            assertThat(agg.best).isEqualTo(eui.keySet().iterator().next());
            assertThat(savings.get("baseline")).isZero();
            assertThat(eui.get("insulated-ceiling")).isNotEqualTo(eui.get("baseline"));
            assertThat(eui.values().stream().distinct().count()).as("the samples change the result: %s", eui).isGreaterThan(3);

            // Raw outputs per run and the ranked CSV on the claim.
            Path out = outputsDir().resolve("five-zone");
            assertThat(out.resolve("five-zone.golden.baseline/eplusout.sql")).exists();
            assertThat(out.resolve("five-zone.golden.baseline/eplusout.err")).exists();
            assertThat(Files.readAllLines(out.resolve("ranked.csv"))).hasSize(8);

            // Packing: design-day runs go several to a Job from the first Job on (a design-day run is well under a second of
            // engine, a pod several seconds): fewer Jobs than runs, the broken run failed alone inside its pack. Never more at once than the example's cap; run Jobs deleted once recorded, the aggregate's kept
            // (for kubectl logs) until the next change.
            assertThat(jobs.created).as("a pack ran").anyMatch(j -> j.contains("-pack-"));
            assertThat(jobs.created).hasSizeLessThan(9).doesNotHaveDuplicates();
            assertThat(st.packing.runsPerJob).isGreaterThan(1);
            assertThat(st.packing.overheadSeconds).isGreaterThan(st.packing.runSeconds);
            int firstRound = jobs.created.size();
            assertThat(jobs.maxActive).isBetween(1, 4);
            assertThat(st.slots.capacity).isBetween(1, 4);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                    .allMatch(j -> "energybatch-aggregate".equals(j.getMetadata().getLabels().get("fanout.dev/kind"))));

            // GitOps: in Git one construction set changes and another is removed. Only the changed run and the aggregate
            // run again; the rest stay recorded; the removed variant leaves the ranking.
            EnergySimulationBatch changed = get();
            changed.getSpec().constructionSets.stream().filter(cs -> cs.name.equals("insulated-ceiling")).findFirst().orElseThrow()
                    .materials = Map.of("MAT-CLNG-1", Map.of("Thermal Resistance", 5.0));
            changed.getSpec().constructionSets.removeIf(cs -> cs.name.equals("light-roof"));
            client.resources(EnergySimulationBatch.class).inNamespace(ns).resource(changed).update();
            long generation = get().getMetadata().getGeneration();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                var s = get().getStatus();
                return s.observedGeneration != null && s.observedGeneration >= generation && s.phase == Phase.Succeeded;
            });
            assertThat(jobs.created).hasSize(firstRound + 2);
            assertThat(jobs.created.subList(firstRound, firstRound + 2)).anySatisfy(j -> assertThat(j).contains("insulated-ceiling"))
                    .anySatisfy(j -> assertThat(j).contains("aggregate"));
            var again = get().getStatus();
            assertThat(again.variants.total).isEqualTo(7);
            assertThat(again.variants.succeeded).isEqualTo(6);
            assertThat(again.aggregate.rows).isEqualTo(6);
            assertThat(TestBed.count("SELECT count(*) FROM " + agg.view + " WHERE variant = 'light-roof'")).isZero();
            assertThat(again.failures).singleElement().satisfies(f -> assertThat(f.message).contains("EnergyPlus did not complete"));
            try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT site_eui_mj_m2 FROM " + agg.view + " WHERE variant = 'insulated-ceiling'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getDouble(1)).as("the changed variant's row is replaced").isNotEqualTo(eui.get("insulated-ceiling"));
            }
        }
    }

    /**
     * A pack's engine container killed on the node (its shell, the container's first process, gets SIGKILL): the worker
     * beside it sees the engine's alive file go stale and fails the pack as transient within a minute, not at the Job's
     * deadline (hours); each of its runs then runs again alone, and the batch succeeds with every row.
     */
    @Test
    void aPackWhoseEngineContainerIsKilledFailsWithinAMinuteAndItsRunsRunAgainAlone() throws Exception {
        EnergySimulationBatch esb = example();
        esb.getMetadata().setName("killed");
        esb.getSpec().parallelism.max = 2;
        esb.getSpec().retry.maxAttempts = 2;
        esb.getSpec().resources.setRequests(Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("500m"),
                "memory", new io.fabric8.kubernetes.api.model.Quantity("768Mi")));
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(EnergySimulationBatch.class).inNamespace(ns).resource(esb).create();
            java.util.function.Supplier<List<io.fabric8.kubernetes.api.model.Pod>> packPods = () -> client.pods().inNamespace(ns)
                    .withLabel("fanout.dev/owner", "killed").list().getItems().stream()
                    .filter(p -> p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey("fanout.dev/pack-runs"))
                    .toList();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                var pods = packPods.get();
                return !pods.isEmpty() && pods.stream().allMatch(p -> p.getStatus().getContainerStatuses() != null && p.getStatus()
                        .getContainerStatuses().stream().anyMatch(c -> "energyplus".equals(c.getName()) && c.getState().getRunning() != null));
            });
            int packRuns = packPods.get().stream().mapToInt(p -> Integer.parseInt(p.getMetadata().getAnnotations().get("fanout.dev/pack-runs"))).sum();
            // The engine script's shell is the container's first process: killing it ends the container, as the OOM killer would.
            Process kill = new ProcessBuilder("pkill", "-9", "-f", "touch .engine-check").redirectErrorStream(true).start();
            assertThat(kill.waitFor()).as("an engine container's shell was found on the node").isZero();
            long killedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(75)).pollInterval(Duration.ofMillis(500)).until(() -> client.v1().events().inNamespace(ns)
                    .list().getItems().stream().anyMatch(e -> "killed".equals(e.getInvolvedObject().getName()) && e.getMessage() != null
                            && e.getMessage().contains("the engine container stopped")));
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            assertThat(seconds).as("the pack failed long before its Job's deadline").isLessThan(60);

            EnergySimulationBatch done = TestBed.awaitEnded(client, ns, EnergySimulationBatch.class, "killed", Duration.ofMinutes(4),
                    Duration.ofSeconds(1));
            var st = done.getStatus();
            assertThat(st.phase).as(st.message + "\n" + String.join("\n", jobs.timeline)).isEqualTo(Phase.Succeeded);
            assertThat(st.variants.succeeded).isEqualTo(7);
            assertThat(TestBed.count("SELECT count(*) FROM " + SCHEMA + ".energy_results WHERE batch = 'killed'")).isEqualTo(7);
            // Each run of the killed packs ran again as attempt 2, alone.
            List<List<String>> retried = new java.util.ArrayList<>();
            for (int i = 0; i < jobs.created.size(); i++) {
                if (jobs.created.get(i).endsWith("-2")) {
                    retried.add(jobs.tasks.get(i));
                }
            }
            assertThat(retried).hasSize(packRuns).allSatisfy(t -> assertThat(t).hasSize(1));
        }
    }
}
