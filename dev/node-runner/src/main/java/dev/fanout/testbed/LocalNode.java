package dev.fanout.testbed;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the test bed's Node and keeps it Ready: a Lease renewal every 10 s (what the node lifecycle controller watches)
 * and the Ready condition's heartbeat in node status.
 */
final class LocalNode {
    private static final Logger LOG = LoggerFactory.getLogger(LocalNode.class);
    static final String LEASE_NAMESPACE = "kube-node-lease";
    private final KubernetesClient client;
    private final RunnerConfig config;
    private final String kubeletVersion;

    LocalNode(KubernetesClient client, RunnerConfig config) {
        this.client = client;
        this.config = config;
        String server = client.getKubernetesVersion().getGitVersion();
        this.kubeletVersion = server == null ? "v0.0.0" : server;
    }

    static String now() {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    void register() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", config.nodeName());
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        labels.put("fanout.dev/test-bed-runner", "true");
        labels.putAll(config.labels());
        Node existing = client.nodes().withName(config.nodeName()).get();
        if (existing == null) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(config.nodeName()).withLabels(labels)
                    .endMetadata().withNewSpec().endSpec().build()).create();
            LOG.info("registered node {}", config.nodeName());
        } else {
            client.nodes().withName(config.nodeName()).edit(n -> {
                n.getMetadata().getLabels().putAll(labels);
                return n;
            });
        }
        heartbeat();
    }

    /** Renews the Lease and the node status; called every 10 s. */
    void heartbeat() {
        String now = now();
        try {
            renewLease();
            Node node = client.nodes().withName(config.nodeName()).get();
            if (node == null) {
                register();
                return;
            }
            Map<String, Quantity> resources = Map.of("cpu", new Quantity(config.cpu()), "memory", new Quantity(config.memory()),
                    "pods", new Quantity(Integer.toString(config.pods())), "ephemeral-storage", new Quantity("100Gi"));
            node.setStatus(node.getStatus() == null ? new io.fabric8.kubernetes.api.model.NodeStatus() : node.getStatus());
            var status = node.getStatus();
            status.setCapacity(resources);
            status.setAllocatable(resources);
            status.setConditions(conditions(status.getConditions(), now));
            status.setAddresses(List.of(new io.fabric8.kubernetes.api.model.NodeAddress("127.0.0.1", "InternalIP"),
                    new io.fabric8.kubernetes.api.model.NodeAddress(config.nodeName(), "Hostname")));
            status.setNodeInfo(new io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder().withArchitecture("amd64")
                    .withOperatingSystem("linux").withOsImage(System.getProperty("os.name") + " (Fanout test-bed runner)")
                    .withKernelVersion(System.getProperty("os.version")).withKubeletVersion(kubeletVersion)
                    .withKubeProxyVersion("").withContainerRuntimeVersion("fanout-testbed://local-processes")
                    .withMachineID("fanout-local").withSystemUUID("fanout-local").withBootID("fanout-local").build());
            client.nodes().resource(node).updateStatus();
        } catch (KubernetesClientException e) {
            LOG.warn("node heartbeat failed: {}", e.getMessage());
        }
    }

    private static List<NodeCondition> conditions(List<NodeCondition> old, String now) {
        Map<String, String> transitions = new LinkedHashMap<>();
        if (old != null) {
            for (NodeCondition c : old) {
                transitions.put(c.getType() + "/" + c.getStatus(), c.getLastTransitionTime());
            }
        }
        List<NodeCondition> out = new ArrayList<>();
        String[][] spec = {
            {"MemoryPressure", "False", "KubeletHasSufficientMemory", "test-bed runner: no memory pressure checks"},
            {"DiskPressure", "False", "KubeletHasNoDiskPressure", "test-bed runner: no disk pressure checks"},
            {"PIDPressure", "False", "KubeletHasSufficientPID", "test-bed runner: no PID pressure checks"},
            {"Ready", "True", "KubeletReady", "Fanout test-bed runner is posting ready status"}};
        for (String[] s : spec) {
            out.add(new NodeConditionBuilder().withType(s[0]).withStatus(s[1]).withReason(s[2]).withMessage(s[3])
                    .withLastHeartbeatTime(now).withLastTransitionTime(transitions.getOrDefault(s[0] + "/" + s[1], now)).build());
        }
        return out;
    }

    private void renewLease() {
        ZonedDateTime renew = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        var leases = client.leases().inNamespace(LEASE_NAMESPACE);
        Lease lease = leases.withName(config.nodeName()).get();
        if (lease == null) {
            leases.resource(new LeaseBuilder().withNewMetadata().withName(config.nodeName()).endMetadata().withNewSpec()
                    .withHolderIdentity(config.nodeName()).withLeaseDurationSeconds(40).withRenewTime(renew).endSpec().build())
                    .create();
        } else {
            lease.getSpec().setRenewTime(renew);
            lease.getSpec().setHolderIdentity(config.nodeName());
            leases.resource(lease).update();
        }
    }
}
