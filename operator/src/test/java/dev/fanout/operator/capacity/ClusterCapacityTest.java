package dev.fanout.operator.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterCapacityTest {
    static final TaskShape ONE_CPU = TaskShape.of(Map.of("cpu", new Quantity("1"), "memory", new Quantity("1Gi")), Map.of(), List.of());

    static Node node(String name, String cpu, String mem, boolean ready, Map<String, String> labels, String taint) {
        var b = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().withNewSpec().endSpec()
                .withNewStatus().withAllocatable(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(mem), "pods", new Quantity("110")))
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus();
        Node n = b.build();
        if (taint != null) {
            n.getSpec().setTaints(List.of(new io.fabric8.kubernetes.api.model.TaintBuilder().withKey(taint).withValue("x").withEffect("NoSchedule").build()));
        }
        return n;
    }

    static Pod pod(String node, String cpu, String mem, String phase) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("c")
                .withNewResources().withRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(mem))).endResources().endContainer()
                .endSpec().withNewStatus().withPhase(phase).endStatus().build();
    }

    @Test
    void binPacksPerNodeNotAsOnePooledSum() {
        // 1.5 free CPUs on each of two nodes: 3 CPUs pooled, but a 1-CPU task fits once per node.
        var nodes = List.of(node("a", "2", "8Gi", true, Map.of(), null), node("b", "2", "8Gi", true, Map.of(), null));
        var pods = List.of(pod("a", "500m", "1Gi", "Running"), pod("b", "500m", "1Gi", "Running"));
        assertThat(ClusterCapacity.freeSlots(ONE_CPU, nodes, pods)).isEqualTo(2);
    }

    @Test
    void terminalPodsFreeTheirRequestsAndMemoryCanBeTheLimit() {
        var nodes = List.of(node("a", "8", "3Gi", true, Map.of(), null));
        assertThat(ClusterCapacity.freeSlots(ONE_CPU, nodes, List.of(pod("a", "4", "1Gi", "Succeeded")))).isEqualTo(3);
        assertThat(ClusterCapacity.freeSlots(ONE_CPU, nodes, List.of(pod("a", "1", "1Gi", "Running")))).isEqualTo(2);
    }

    /** A task pod (restartPolicy Never, one init container) whose containers exited as given, phase Running. */
    static Pod taskPod(Integer initExit, Integer mainExit) {
        var b = new PodBuilder(pod("a", "1", "1Gi", "Running")).editMetadata().withLabels(Map.of("fanout.dev/owner", "b")).endMetadata()
                .editSpec().withRestartPolicy("Never").addNewInitContainer().withName("prepare").endInitContainer().endSpec();
        var st = b.editStatus();
        st = initExit == null ? st.addNewInitContainerStatus().withName("prepare").withNewState().withNewRunning().endRunning().endState().endInitContainerStatus()
                : st.addNewInitContainerStatus().withName("prepare").withNewState().withNewTerminated().withExitCode(initExit).endTerminated().endState().endInitContainerStatus();
        if (mainExit != null) {
            st = st.addNewContainerStatus().withName("c").withNewState().withNewTerminated().withExitCode(mainExit).endTerminated().endState().endContainerStatus();
        }
        return st.endStatus().build();
    }

    @Test
    void aTaskPodWhoseContainersAllExitedHoldsItsNodeUntilItsPhaseTurns() {
        Pod exited = taskPod(0, 0);
        assertThat(ClusterCapacity.finishing(exited)).isTrue();
        var nodes = List.of(node("a", "2", "8Gi", true, Map.of(), null));
        assertThat(ClusterCapacity.freeSlots(ONE_CPU, nodes, List.of(exited))).isEqualTo(1);
        // Being deleted: still on the node until it is gone.
        Pod deleting = new PodBuilder(exited).editMetadata().withDeletionTimestamp("2026-12-04T22:00:00Z").endMetadata().build();
        assertThat(ClusterCapacity.finishing(deleting)).isTrue();
        // Not finishing: still running, a container that failed (the phase decides), the phase already terminal, or
        // restarted containers; these task pods count through their Jobs.
        Pod running = taskPod(0, null);
        Pod initRunning = taskPod(null, null);
        Pod failed = taskPod(0, 1);
        Pod done = new PodBuilder(exited).editStatus().withPhase("Succeeded").endStatus().build();
        Pod restarts = new PodBuilder(exited).editSpec().withRestartPolicy("OnFailure").endSpec().build();
        for (Pod p : List.of(running, initRunning, failed, done, restarts)) {
            assertThat(ClusterCapacity.finishing(p)).as(p.getStatus().toString()).isFalse();
        }
    }

    @Test
    void skipsNotReadyUnselectedAndUntoleratedNodes() {
        var nodes = List.of(node("notready", "4", "8Gi", false, Map.of(), null), node("other-pool", "4", "8Gi", true, Map.of("pool", "b"), null),
                node("tainted", "4", "8Gi", true, Map.of("pool", "a"), "dedicated"), node("ok", "4", "8Gi", true, Map.of("pool", "a"), null));
        TaskShape inA = TaskShape.of(Map.of("cpu", new Quantity("1")), Map.of("pool", "a"), List.of());
        assertThat(ClusterCapacity.freeSlots(inA, nodes, List.of())).isEqualTo(4);
        TaskShape tolerating = TaskShape.of(Map.of("cpu", new Quantity("1")), Map.of("pool", "a"),
                List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build()));
        assertThat(ClusterCapacity.freeSlots(tolerating, nodes, List.of())).isEqualTo(8);
    }

    @Test
    void quotaHeadroomCapsTheSlots() {
        var quota = new ResourceQuotaBuilder().withNewStatus().withHard(Map.of("requests.cpu", new Quantity("5"), "pods", new Quantity("10")))
                .withUsed(Map.of("requests.cpu", new Quantity("2500m"), "pods", new Quantity("3"))).endStatus().build();
        assertThat(ClusterCapacity.quotaSlots(ONE_CPU, List.of(quota), List.of(pod("a", "2500m", "1Gi", "Running"), pod("a", "7", "1Gi", "Succeeded")))).isEqualTo(2);
        assertThat(ClusterCapacity.quotaSlots(ONE_CPU, List.of(), List.of())).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void fairShareIsMaxMinAndGivesUnusedSharesAway() {
        assertThat(FairShare.divide(10, Map.of("a", 10, "b", 10))).containsEntry("a", 5).containsEntry("b", 5);
        assertThat(FairShare.divide(10, Map.of("a", 2, "b", 10))).containsEntry("a", 2).containsEntry("b", 8);
        assertThat(FairShare.divide(5, Map.of("a", 10, "b", 10, "c", 10)).values()).containsExactlyInAnyOrder(2, 2, 1);
        assertThat(FairShare.divide(0, Map.of("a", 3))).containsEntry("a", 0);
    }
}
