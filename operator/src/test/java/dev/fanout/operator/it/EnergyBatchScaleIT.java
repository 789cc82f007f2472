package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchSpec;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.InputFile;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ParameterSpace;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ResultsSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A batch of 300 runs on simulated nodes (kwok: a run "takes" 2 s, nothing executes; a pack's pod 2 s per run and reports
 * them all done, see dev/kwok/stages.yaml) while the operator is SIGKILLed and restarted several times: the first runs go
 * alone, the rest in packs; the live Jobs stay within the window, the status stays small (counts, the live runs, the
 * ledger), every run is in exactly one Job across all restarts, and the batch ends Succeeded.
 */
class EnergyBatchScaleIT {
    static final int SAMPLES = 150; // x 2 weather files = 300 runs
    static KubernetesClient client;
    static String ns;
    static final String POOL = "esb-scale";

    @BeforeAll
    static void setUp() {
        client = TestBed.client();
        ns = TestBed.namespace(client, "esb-scale");
        TestBed.kwokNodes(client, POOL, 4, "4"); // 4 nodes x 4 CPUs, 1-CPU runs: 16 slots
    }

    @AfterAll
    static void tearDown() {
        client.namespaces().withName(ns).delete();
        client.nodes().withLabel("fanout.dev/pool", POOL).delete();
        client.close();
    }

    static EnergySimulationBatch batch() {
        EnergySimulationBatch esb = new EnergySimulationBatch();
        esb.getMetadata().setName("sweep");
        EnergySimulationBatchSpec spec = new EnergySimulationBatchSpec();
        InputFile model = new InputFile();
        model.name = "office";
        model.url = "http://127.0.0.1:9/never-fetched.idf";
        InputFile a = new InputFile();
        a.name = "golden";
        a.url = "http://127.0.0.1:9/golden.epw";
        InputFile b = new InputFile();
        b.name = "chicago";
        b.url = "http://127.0.0.1:9/chicago.epw";
        spec.models = List.of(model);
        spec.weather = List.of(a, b);
        spec.parameters = new ParameterSpace();
        spec.parameters.method = ParameterSpace.Method.latinHypercube;
        spec.parameters.samples = SAMPLES;
        spec.parameters.seed = 3L;
        ParameterSpace.Field f = new ParameterSpace.Field();
        f.material = "Insulation";
        f.field = "Thickness";
        f.min = 0.02;
        f.max = 0.2;
        spec.parameters.fields = List.of(f);
        spec.results = new ResultsSpec();
        spec.results.database = new DatabaseSpec();
        spec.results.database.secretRef = new SecretKeys();
        spec.results.database.secretRef.name = "postgis";
        spec.resources = new ResourceRequirementsBuilder().withRequests(Map.of("cpu", new Quantity("1"), "memory", new Quantity("1Gi"))).build();
        spec.nodeSelector = Map.of("fanout.dev/pool", POOL);
        spec.tolerations = List.of(new TolerationBuilder().withKey("kwok.x-k8s.io/node").withOperator("Exists").withEffect("NoSchedule").build());
        esb.setSpec(spec);
        return esb;
    }

    @Test
    void threeHundredRunsThroughRestartsWithinTheWindowAndASmallStatus() throws Exception {
        Random rnd = new Random(11);
        int kills = 0;
        int maxListed = 0;
        int maxStatusBytes = 0;
        EnergySimulationBatch now = null;
        try (TestBed.JobWatch jobs = new TestBed.JobWatch(client, ns)) {
            client.resources(EnergySimulationBatch.class).inNamespace(ns).resource(batch()).create();
            long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
            while (System.nanoTime() < deadline) {
                OperatorProcess operator = new OperatorProcess("EnergyBatchScaleIT").start();
                long until = System.nanoTime() + Duration.ofMillis(kills < 3 ? 4000 + rnd.nextInt(8000) : 240_000).toNanos();
                boolean finished = false;
                while (System.nanoTime() < until && !finished) {
                    Thread.sleep(500);
                    now = client.resources(EnergySimulationBatch.class).inNamespace(ns).withName("sweep").get();
                    if (now.getStatus() != null) {
                        maxListed = Math.max(maxListed, now.getStatus().running.size());
                        maxStatusBytes = Math.max(maxStatusBytes, Serialization.asJson(now.getStatus()).length());
                        finished = now.getStatus().phase == Phase.Succeeded || now.getStatus().phase == Phase.Failed;
                    }
                }
                if (finished && kills >= 3) {
                    operator.close();
                    break;
                }
                operator.kill();
                kills++;
            }
            assertThat(kills).isGreaterThanOrEqualTo(3);
            var st = now.getStatus();
            assertThat(st.phase).as(st.message).isEqualTo(Phase.Succeeded);
            assertThat(st.variants.total).isEqualTo(2 * SAMPLES);
            assertThat(st.variants.succeeded).isEqualTo(2 * SAMPLES);
            assertThat(st.progress).isEqualTo("300/300");
            // Every run in exactly one Job across every restart (a pack's runs counted each), one aggregate; the first
            // runs alone, then packs; never more Jobs live than the 16 slots.
            assertThat(jobs.created).doesNotHaveDuplicates();
            List<String> runs = jobs.tasks.stream().flatMap(List::stream).filter(t -> !t.equals("aggregate")).toList();
            assertThat(runs).hasSize(2 * SAMPLES).doesNotHaveDuplicates();
            assertThat(jobs.tasks.stream().filter(t -> t.size() > 1)).as("packs").isNotEmpty();
            assertThat(jobs.created).hasSizeLessThan(2 * SAMPLES / 2);
            assertThat(jobs.maxActive).isBetween(2, 16);
            assertThat(st.packing.runsPerJob).isGreaterThan(1);
            assertThat(maxListed).isLessThanOrEqualTo(16 * 32);
            assertThat(st.ledger).as("sampled runs are recorded in blocks").isNull();
            assertThat(st.ledgerBlocks.split(" ")).as("two series of 150 samples: three blocks of at most 64 each")
                    .hasSize(6).allMatch(b -> b.matches("[A-Za-z0-9_-]{8}=(S[0-9a-z](:[0-9a-z]+)?,)+"));
            assertThat(maxStatusBytes).as("largest status seen").isLessThan(3 * SAMPLES * 10 + 8_000 + maxListed * 250);
        }
    }
}
