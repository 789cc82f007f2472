package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's monitoring pieces as Helm renders them: the PrometheusRule's rules pass `promtool check rules` and the
 * unit tests of the alert expressions (`promtool test rules`, src/test/resources/alerts/rules-test.yaml); the Grafana
 * dashboard is valid JSON whose every panel queries fanout_ series; the ServiceMonitor scrapes /q/metrics.
 */
class ChartMonitoringIT {
    @TempDir
    static Path dir;

    static List<GenericKubernetesResource> render() throws Exception {
        String out = HelmChartIT.run("helm", "template", "fanout", HelmChartIT.chart().toString(), "-n", "fanout-system",
                "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.serviceMonitor.enabled=true",
                "--set", "metrics.grafanaDashboard.enabled=true", "--show-only", "templates/monitoring.yaml");
        List<GenericKubernetesResource> docs = new ArrayList<>();
        for (String doc : out.split("(?m)^---$")) {
            if (doc.contains("kind:")) {
                docs.add(Serialization.unmarshal(doc, GenericKubernetesResource.class));
            }
        }
        return docs;
    }

    static GenericKubernetesResource kind(List<GenericKubernetesResource> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.getKind())).findFirst().orElseThrow(() -> new AssertionError("no " + kind));
    }

    @Test
    void theAlertRulesPassPromtoolAndTheirUnitTests() throws Exception {
        GenericKubernetesResource rule = kind(render(), "PrometheusRule");
        Files.writeString(dir.resolve("rules.yaml"), Serialization.asYaml(rule.getAdditionalProperties().get("spec")));
        Files.copy(Path.of("src/test/resources/alerts/rules-test.yaml"), dir.resolve("rules-test.yaml"));
        assertThat(HelmChartIT.run("promtool", "check", "rules", dir.resolve("rules.yaml").toString())).contains("SUCCESS: 4 rules found");
        assertThat(HelmChartIT.run("promtool", "test", "rules", dir.resolve("rules-test.yaml").toString())).contains("SUCCESS");
    }

    @Test
    void theDashboardAndServiceMonitorRender() throws Exception {
        List<GenericKubernetesResource> docs = render();
        GenericKubernetesResource cm = kind(docs, "ConfigMap");
        assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        @SuppressWarnings("unchecked")
        String json = ((java.util.Map<String, String>) cm.getAdditionalProperties().get("data")).get("fanout.json");
        JsonNode dash = new ObjectMapper().readTree(json);
        assertThat(dash.path("uid").asText()).isEqualTo("fanout-operator");
        assertThat(dash.path("panels")).hasSizeGreaterThanOrEqualTo(10);
        for (JsonNode panel : dash.path("panels")) {
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode t : panel.path("targets")) {
                assertThat(t.path("expr").asText()).as(panel.path("title").asText()).contains("fanout_");
            }
        }
        GenericKubernetesResource sm = kind(docs, "ServiceMonitor");
        assertThat(Serialization.asJson(sm.getAdditionalProperties().get("spec"))).contains("\"path\":\"/q/metrics\"").contains("\"port\":\"http\"");
    }
}
