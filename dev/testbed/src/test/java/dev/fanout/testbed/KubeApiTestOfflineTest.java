package dev.fanout.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pinned etcd / kube-apiserver / kubectl are placed where io.fabric8:kube-api-test finds them without a network. */
class KubeApiTestOfflineTest {

    @Test
    void kubeApiTestStartsThePinnedApiServerOffline() {
        String version = System.getProperty("fanout.kube.version", "1.35.4");
        KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig().withOfflineMode(true)
                .withApiServerVersion(version).withUpdateKubeConfig(false).build());
        server.start();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build()) {
            assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v" + version);
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("probe").endMetadata()
                    .withData(Map.of("k", "v")).build()).create();
            assertThat(client.configMaps().inNamespace("default").withName("probe").get().getData()).containsEntry("k", "v");
        } finally {
            server.stop();
        }
    }
}
