package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ConstructionSet;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.worker.testdata.NaturalEarthServer;
import dev.fanout.worker.testdata.SharedData;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The progress page in a real browser (Debian's Chromium, headless) while real work runs on the node: a load's progress
 * moves and ends Succeeded; a batch's failed run is shown with its message; the metrics endpoint carries the fanout_
 * series the dashboard and the alert rules use. Screenshots go to docs/ (shown in the README).
 */
class ProgressPageIT {
    static final String SCHEMA = "e2e_page";
    @RegisterExtension
    static final NaturalEarthServer http = new NaturalEarthServer();
    static KubernetesClient client;
    static OperatorProcess operator;
    static String ns;
    static final Path DOCS = Path.of(System.getProperty("fanout.root", "..")).resolve("docs");

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        ns = TestBed.namespace(client, "page");
        TestBed.dropSchema(SCHEMA);
        operator = new OperatorProcess("ProgressPageIT").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        TestBed.stop(operator, client, ns);
    }

    @Test
    void aLoadsProgressMovesOnThePageUntilSucceededAndTheMetricsSayTheSame() throws Exception {
        SpatialLoad sl = TestBed.spatialLoad("world", SCHEMA, TestBed.worldLayers(http.server()));
        sl.getSpec().parallelism.max = 1; // one layer at a time, so the page has steps to show
        try (Browser browser = new Browser()) {
            client.resources(SpatialLoad.class).inNamespace(ns).resource(sl).create();
            browser.open(operator.url() + "/#/SpatialLoad/" + ns + "/world");
            Set<String> seen = new LinkedHashSet<>();
            boolean[] nodeShown = {false};
            Awaitility.await("the page shows Succeeded").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> {
                String progress = browser.text("#progress");
                if (!progress.isEmpty()) {
                    seen.add(progress);
                }
                // A running layer's row names its pod and the node it runs on.
                nodeShown[0] |= browser.text("main").contains("fanout-local");
                if (progress.equals("1/3")) {
                    browser.screenshot(DOCS.resolve("progress-spatialload-running.png"));
                }
                return browser.text("#phase").equals("Succeeded");
            });
            // The page updated while the work ran: it showed more than one step of progress, ending at 3/3.
            assertThat(seen).as("progress shown by the page").hasSizeGreaterThanOrEqualTo(2).last().isEqualTo("3/3");
            assertThat(nodeShown[0]).as("a running task's node shown").isTrue();
            assertThat(browser.text("main")).contains("admin_level_1").contains("linked").contains("TaskSucceeded");
            browser.screenshot(DOCS.resolve("progress-spatialload.png"));
            browser.open(operator.url() + "/#/");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> browser.text("#resources").contains(ns + "/world"));
            assertThat(browser.text("#resources")).contains("Succeeded").contains("3/3");
            browser.screenshot(DOCS.resolve("progress-list.png"));
        }
        assertThat(client.resources(SpatialLoad.class).inNamespace(ns).withName("world").get().getStatus().phase).isEqualTo(Phase.Succeeded);
        // kubectl shows the failed count and the ETA too.
        String table = HelmChartIT.run("kubectl", "get", "sl", "-n", ns);
        assertThat(table.lines().findFirst().orElse("")).contains("PHASE").contains("PROGRESS").contains("FAILED").contains("ETA");
        // (The CRD generator orders columns by JSON path: AGE, ETA, PHASE, PROGRESS, RUNNING, FAILED; no ETA once done.)
        assertThat(table).containsPattern("world\\s+\\S+\\s+Succeeded\\s+3/3\\s+0\\s+0");

        String metrics = get(operator.url() + "/q/metrics");
        assertThat(metrics).contains("fanout_tasks{kind=\"spatialload\",namespace=\"" + ns + "\",state=\"succeeded\"} 3.0")
                .contains("fanout_resources{kind=\"spatialload\",namespace=\"" + ns + "\",phase=\"Succeeded\"} 1.0")
                .containsPattern("fanout_task_duration_seconds_count\\{kind=\"spatialload\",namespace=\"" + ns + "\",outcome=\"succeeded\"} 3.0")
                .containsPattern("fanout_api_writes_total\\{resource=\"jobs\",verb=\"create\"} [1-9]")
                .contains("operator_sdk_"); // the Java Operator SDK's own reconcile metrics
        // Every fanout_ series the dashboard and the alert rules query exists (after a run: counters appear on first use).
        Path chart = Path.of(System.getProperty("fanout.root", "..")).resolve("helm/fanout");
        for (String name : seriesIn(Files.readString(chart.resolve("dashboards/fanout.json")) + Files.readString(chart.resolve(
                "files/prometheus-rules.yaml")))) {
            if (name.equals("fanout_task_retries_total") || name.equals("fanout_task_failures_total")
                    || name.equals("fanout_reconcile_errors_total")) {
                continue; // none happened in this run; their names are checked in the in-process tests
            }
            assertThat(metrics).as("series " + name + " in /q/metrics").contains(name);
        }
    }

    @Test
    void aBatchsFailedRunIsShownWithItsMessage() throws Exception {
        Path ep = SharedData.root().resolve("energyplus");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("energy-models").endMetadata()
                .addToData("5ZoneAirCooled.idf", Files.readString(ep.resolve("5ZoneAirCooled.idf"))).build()).create();
        Files.createDirectories(http.dir().resolve("energyplus"));
        Files.copy(ep.resolve("USA_CO_Golden-NREL.724666_TMY3.epw"), http.dir().resolve("energyplus/USA_CO_Golden-NREL.724666_TMY3.epw"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String yaml = Files.readString(Path.of(System.getProperty("fanout.root", "..")).resolve("examples/energy-simulation-batch.yaml"))
                .replace("http://10.88.0.1:18080/", http.url(""));
        EnergySimulationBatch esb = Serialization.unmarshal(List.of(yaml.split("\n---\n")).stream()
                .filter(d -> d.contains("kind: EnergySimulationBatch")).findFirst().orElseThrow(), EnergySimulationBatch.class);
        esb.getSpec().results.database.schema = SCHEMA;
        esb.getSpec().energyplus.image = TestBed.ENERGYPLUS_IMAGE;
        esb.getSpec().energyplus.mode = dev.fanout.api.SimulationMode.designDay;
        esb.getSpec().parameters = null;
        ConstructionSet broken = new ConstructionSet();
        broken.name = "broken";
        broken.constructions = java.util.Map.of("NO SUCH CONSTRUCTION", List.of("IN46")); // bad input: prepare refuses it
        esb.getSpec().constructionSets = new ArrayList<>(List.of(esb.getSpec().constructionSets.get(0), broken));
        try (Browser browser = new Browser()) {
            client.resources(EnergySimulationBatch.class).inNamespace(ns).resource(esb).create();
            String name = esb.getMetadata().getName();
            browser.open(operator.url() + "/#/EnergySimulationBatch/" + ns + "/" + name);
            Awaitility.await("the page shows the batch done").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> browser.text("#phase").equals("Succeeded") && !browser.text("#failures").isEmpty());
            assertThat(browser.text("#failures")).contains(".broken").contains("bad input")
                    .contains("NO SUCH CONSTRUCTION");
            assertThat(browser.text("main")).contains("1 of 2 runs succeeded").contains("best:");
            browser.screenshot(DOCS.resolve("progress-batch.png"));
        }
    }

    /** The fanout_* metric names an expression text uses, as Prometheus exposes them (histograms by their _count). */
    static Set<String> seriesIn(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("fanout_[a-z_]+").matcher(text);
        while (m.find()) {
            out.add(m.group().replaceAll("_(bucket|sum)$", "_count"));
        }
        return out;
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }
}
