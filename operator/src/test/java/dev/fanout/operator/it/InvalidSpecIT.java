package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed SpatialLoads are refused by the API server (schema and CEL) with a message that names the field. */
class InvalidSpecIT {
    static KubernetesClient client;
    static String ns;
    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() {
        client = TestBed.client();
        ns = TestBed.namespace(client, "invalid");
    }

    @AfterAll
    static void tearDown() {
        client.namespaces().withName(ns).delete();
        client.close();
    }

    static final String LAYER = "{name: admin0, source: {url: 'http://127.0.0.1/a.shp'}, table: admin_level_0}";

    static String spec(String layers, String extra) {
        return "apiVersion: fanout.dev/v1alpha1\nkind: SpatialLoad\nmetadata: {name: bad}\nspec:\n"
                + "  database: {secretRef: {name: postgis}}\n  layers: " + layers + "\n" + extra;
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("no database", "apiVersion: fanout.dev/v1alpha1\nkind: SpatialLoad\nmetadata: {name: bad}\nspec:\n  layers: ["
                        + LAYER + "]\n", "spec.database: Required value"),
                Arguments.of("no layers", spec("[]", ""), "spec.layers"),
                Arguments.of("layer name not a DNS label", spec("[{name: Admin_0, source: {url: 'http://h/a.shp'}, table: t}]", ""),
                        "spec.layers[0].name"),
                Arguments.of("duplicate layer names", spec("[" + LAYER + ", {name: admin0, source: {url: 'http://h/b.shp'}, table: other}]", ""),
                        "spec.layers[].name must be unique"),
                Arguments.of("duplicate tables", spec("[" + LAYER + ", {name: admin1, source: {url: 'http://h/b.shp'}, table: admin_level_0}]", ""),
                        "spec.layers[].table must be unique"),
                Arguments.of("unknown parent layer", spec("[{name: admin1, source: {url: 'http://h/b.shp'}, table: t, parent: {layer: nope, column: a, parentColumn: b}}]", ""),
                        "spec.layers[].parent.layer must name a layer"),
                Arguments.of("self parent", spec("[{name: admin1, source: {url: 'http://h/b.shp'}, table: t, parent: {layer: admin1, column: a, parentColumn: b}}]", ""),
                        "cannot name the layer itself"),
                Arguments.of("table not an identifier", spec("[{name: admin0, source: {url: 'http://h/a.shp'}, table: 'drop table x;'}]", ""),
                        "spec.layers[0].table"),
                Arguments.of("srid not positive", spec("[{name: admin0, source: {url: 'http://h/a.shp'}, table: t, targetSrid: 0}]", ""),
                        "spec.layers[0].targetSrid"),
                Arguments.of("ftp source", spec("[{name: admin0, source: {url: 'ftp://h/a.shp'}, table: t}]", ""),
                        "spec.layers[0].source.url"),
                Arguments.of("unknown format", spec("[{name: admin0, source: {url: 'http://h/a.shp', format: kml}, table: t}]", ""),
                        "spec.layers[0].source.format"),
                Arguments.of("parallelism 0", spec("[" + LAYER + "]", "  parallelism: {max: 0}\n"), "spec.parallelism.max"),
                Arguments.of("attempts 0", spec("[" + LAYER + "]", "  retry: {maxAttempts: 0}\n"), "spec.retry.maxAttempts"),
                Arguments.of("schema not an identifier", "apiVersion: fanout.dev/v1alpha1\nkind: SpatialLoad\nmetadata: {name: bad}\nspec:\n"
                        + "  database: {secretRef: {name: postgis}, schema: 'a-b'}\n  layers: [" + LAYER + "]\n", "spec.database.schema"),
                Arguments.of("no secret name", "apiVersion: fanout.dev/v1alpha1\nkind: SpatialLoad\nmetadata: {name: bad}\nspec:\n"
                        + "  database: {secretRef: {urlKey: u}}\n  layers: [" + LAYER + "]\n", "spec.database.secretRef.name"),
                // Accepted before and then failing in the worker.
                Arguments.of("source srid 0", spec("[{name: admin0, source: {url: 'http://h/a.shp', srid: 0}, table: t}]", ""),
                        "spec.layers[0].source.srid"),
                Arguments.of("task timeout 0", spec("[" + LAYER + "]", "  taskTimeoutSeconds: 0\n"), "spec.taskTimeoutSeconds"));
    }

    static final String ESB_HEAD = "apiVersion: fanout.dev/v1alpha1\nkind: EnergySimulationBatch\nmetadata: {name: bad}\nspec:\n"
            + "  results: {database: {secretRef: {name: postgis}}}\n";
    static final String MODEL = "  models: [{name: office, configMapKeyRef: {name: m, key: office.idf}}]\n";
    static final String WEATHER = "  weather: [{name: golden, url: 'http://h/golden.epw'}]\n";
    static final String SETS = "  constructionSets: [{name: base}]\n";

    static Stream<Arguments> malformedBatches() {
        return Stream.of(
                Arguments.of("no variants", ESB_HEAD + MODEL + WEATHER, "give spec.constructionSets, spec.parameters or both"),
                Arguments.of("two sources for a model", ESB_HEAD + "  models: [{name: office, url: 'http://h/o.idf', configMapKeyRef: "
                        + "{name: m, key: k}}]\n" + WEATHER + SETS, "give exactly one of url, configMapKeyRef or persistentVolumeClaim"),
                Arguments.of("no source for a weather file", ESB_HEAD + MODEL + "  weather: [{name: golden}]\n" + SETS,
                        "give exactly one of url, configMapKeyRef or persistentVolumeClaim"),
                Arguments.of("weather from a ConfigMap", ESB_HEAD + MODEL + "  weather: [{name: golden, configMapKeyRef: {name: w, key: g.epw}}]\n"
                        + SETS, "EPW files exceed its 1 MiB limit"),
                Arguments.of("path escaping the claim", ESB_HEAD + "  models: [{name: office, persistentVolumeClaim: {claimName: c, path: "
                        + "'a/../../etc/passwd'}}]\n" + WEATHER + SETS, "cannot contain '..'"),
                Arguments.of("duplicate model names", ESB_HEAD + "  models: [{name: office, url: 'http://h/a.idf'}, {name: office, url: "
                        + "'http://h/b.idf'}]\n" + WEATHER + SETS, "spec.models[].name must be unique"),
                Arguments.of("duplicate construction sets", ESB_HEAD + MODEL + WEATHER + "  constructionSets: [{name: base}, {name: base}]\n",
                        "spec.constructionSets[].name must be unique"),
                Arguments.of("baseline not a set", ESB_HEAD + MODEL + WEATHER + SETS + "  baseline: other\n",
                        "spec.baseline must name one of spec.constructionSets"),
                Arguments.of("variant name with upper case", ESB_HEAD + MODEL + WEATHER + "  constructionSets: [{name: Base}]\n",
                        "spec.constructionSets[0].name"),
                Arguments.of("latin hypercube without samples", ESB_HEAD + MODEL + WEATHER + "  parameters: {method: latinHypercube, fields: "
                        + "[{material: m, field: Thickness, min: 0.1, max: 0.2}]}\n", "parameters.samples is required for latinHypercube"),
                Arguments.of("grid field without values", ESB_HEAD + MODEL + WEATHER + "  parameters: {method: grid, fields: "
                        + "[{material: m, field: Thickness, min: 0.1}]}\n", "needs values, or min, max and steps, for grid"),
                Arguments.of("min above max", ESB_HEAD + MODEL + WEATHER + "  parameters: {method: latinHypercube, samples: 3, fields: "
                        + "[{material: m, field: Thickness, min: 0.3, max: 0.2}]}\n", "min must not exceed max"),
                Arguments.of("unknown mode", ESB_HEAD + MODEL + WEATHER + SETS + "  energyplus: {mode: hourly}\n", "spec.energyplus.mode"),
                Arguments.of("no results database", "apiVersion: fanout.dev/v1alpha1\nkind: EnergySimulationBatch\nmetadata: {name: bad}\n"
                        + "spec:\n" + MODEL + WEATHER + SETS, "spec.results: Required value"));
    }

    @ParameterizedTest(name = "EnergySimulationBatch: {0}")
    @MethodSource("malformedBatches")
    void aMalformedBatchIsRejectedNamingTheField(String what, String yaml, String expected) {
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        assertThatThrownBy(() -> client.genericKubernetesResources("fanout.dev/v1alpha1", "EnergySimulationBatch").inNamespace(ns)
                .resource(r).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRejectedNamingTheField(String what, String yaml, String expected) {
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        assertThatThrownBy(() -> client.genericKubernetesResources("fanout.dev/v1alpha1", "SpatialLoad").inNamespace(ns).resource(r).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining(expected);
    }

    @Test
    void aCycleOfParentsIsReportedInStatusWithTheFieldAndTheFix() throws Exception {
        try (OperatorProcess operator = new OperatorProcess("InvalidSpecIT").start()) {
            String yaml = spec("[{name: a, source: {url: 'http://h/a.shp'}, table: ta, parent: {layer: b, column: k, parentColumn: k}},"
                    + " {name: b, source: {url: 'http://h/b.shp'}, table: tb, parent: {layer: a, column: k, parentColumn: k}}]", "")
                    .replace("name: bad", "name: cycle");
            client.genericKubernetesResources("fanout.dev/v1alpha1", "SpatialLoad").inNamespace(ns)
                    .resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class)).create();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var sl = client.resources(dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad.class).inNamespace(ns).withName("cycle").get();
                return sl.getStatus() != null && sl.getStatus().phase == Phase.Failed;
            });
            var sl = client.resources(dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad.class).inNamespace(ns).withName("cycle").get();
            assertThat(sl.getStatus().message).contains("spec.layers[a].parent").contains("cycle a -> b -> a").contains("remove the parent");

            // Quantities the schema's int-or-string accepts (CEL over these maps exceeds the API server's cost budget):
            // before, the reconciler threw on every pass and the status stayed empty.
            String quantities = spec("[{name: a, source: {url: 'http://h/a.shp'}, table: ta, sizeHint: -5Mi}]",
                    "  resources: {requests: {cpu: lots}, limits: {memory: 1 GB}}\n").replace("name: bad", "name: quantities");
            client.genericKubernetesResources("fanout.dev/v1alpha1", "SpatialLoad").inNamespace(ns)
                    .resource(Serialization.unmarshal(quantities, GenericKubernetesResource.class)).create();
            var loads = client.resources(dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad.class).inNamespace(ns);
            await().atMost(Duration.ofSeconds(60)).until(() -> loads.withName("quantities").get().getStatus() != null
                    && loads.withName("quantities").get().getStatus().phase == Phase.Failed);
            assertThat(loads.withName("quantities").get().getStatus().message)
                    .contains("spec.resources.requests.cpu: 'lots' is not a quantity; write e.g. 500m or 2")
                    .contains("spec.resources.limits.memory: '1 GB' is not a quantity; write e.g. 768Mi or 1Gi")
                    .contains("spec.layers[a].sizeHint: -5Mi is negative");

            // What CEL cannot check for a batch: a baseline that is no variant, a grid too large to run.
            String batch = ESB_HEAD.replace("name: bad", "name: checks") + MODEL + WEATHER
                    + "  parameters: {method: grid, fields: [{material: m, field: Thickness, min: 0.1, max: 0.2, steps: 1000},"
                    + " {material: m, field: Conductivity, min: 0.1, max: 0.2, steps: 1000}]}\n  baseline: nope\n";
            client.genericKubernetesResources("fanout.dev/v1alpha1", "EnergySimulationBatch").inNamespace(ns)
                    .resource(Serialization.unmarshal(batch, GenericKubernetesResource.class)).create();
            var esbs = client.resources(dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch.class).inNamespace(ns);
            await().atMost(Duration.ofSeconds(60)).until(() -> esbs.withName("checks").get().getStatus() != null
                    && esbs.withName("checks").get().getStatus().phase == Phase.Failed);
            assertThat(esbs.withName("checks").get().getStatus().message)
                    .contains("spec.parameters makes 1000000 samples, more than 10000: use fewer values or steps, or latinHypercube")
                    .contains("spec.baseline 'nope' is not a variant of this batch");
            assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).isEmpty();
        }
    }
}
