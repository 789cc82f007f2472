package dev.fanout.operator.capacity;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts how many more pods of one shape fit now: per schedulable Ready node that the shape may use (node selector,
 * taints vs tolerations), free allocatable (minus the requests of its non-terminal pods) divided by the shape's requests,
 * rounded down (bin-packing per node, not one pooled sum); then capped by the namespace's ResourceQuota headroom.
 * Pure functions over snapshots, so they are tested without a cluster.
 */
public final class ClusterCapacity {
    private ClusterCapacity() {
    }

    public static int freeSlots(TaskShape shape, Collection<Node> nodes, Collection<Pod> pods) {
        Map<String, BigDecimal[]> used = new HashMap<>();
        for (Pod p : pods) {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            if (node == null || terminal(p)) {
                continue;
            }
            BigDecimal[] u = used.computeIfAbsent(node, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
            BigDecimal[] r = requests(p);
            u[0] = u[0].add(r[0]);
            u[1] = u[1].add(r[1]);
            u[2] = u[2].add(BigDecimal.ONE);
        }
        long total = 0;
        for (Node n : nodes) {
            if (!usable(n, shape)) {
                continue;
            }
            Map<String, Quantity> alloc = n.getStatus().getAllocatable();
            BigDecimal[] u = used.getOrDefault(n.getMetadata().getName(), new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
            long slots = fit(TaskShape.amount(alloc, "cpu").subtract(u[0]), shape.cpu());
            slots = Math.min(slots, fit(TaskShape.amount(alloc, "memory").subtract(u[1]), shape.memory()));
            slots = Math.min(slots, fit(TaskShape.amount(alloc, "pods").subtract(u[2]), BigDecimal.ONE));
            total += Math.max(0, slots);
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    /**
     * Tasks the namespace's quotas admit beside its other workloads' pods (Integer.MAX_VALUE when none limits): for
     * requests and pod counts the use is summed from those pods, not read from the quota's status, which lags and counts
     * the task pods that the caller counts through their Jobs.
     */
    public static int quotaSlots(TaskShape shape, Collection<ResourceQuota> quotas, Collection<Pod> otherPodsInNamespace) {
        BigDecimal cpu = BigDecimal.ZERO;
        BigDecimal mem = BigDecimal.ZERO;
        int count = 0;
        for (Pod p : otherPodsInNamespace) {
            if (!terminal(p)) {
                BigDecimal[] r = requests(p);
                cpu = cpu.add(r[0]);
                mem = mem.add(r[1]);
                count++;
            }
        }
        Map<String, Quantity> podUse = Map.of("requests.cpu", new Quantity(cpu.toPlainString()), "cpu", new Quantity(cpu.toPlainString()),
                "requests.memory", new Quantity(mem.toPlainString()), "memory", new Quantity(mem.toPlainString()),
                "pods", new Quantity(Integer.toString(count)), "count/pods", new Quantity(Integer.toString(count)));
        return quotaSlots(shape, quotas, podUse);
    }

    /** Tasks the namespace's quotas still admit given {@code podUse} (keys absent there are read from the quota status). */
    public static int quotaSlots(TaskShape shape, Collection<ResourceQuota> quotas, Map<String, Quantity> podUse) {
        long slots = Integer.MAX_VALUE;
        for (ResourceQuota q : quotas) {
            if (q.getStatus() == null || q.getStatus().getHard() == null) {
                continue;
            }
            Map<String, Quantity> hard = q.getStatus().getHard();
            Map<String, Quantity> used = new java.util.HashMap<>(q.getStatus().getUsed() == null ? Map.of() : q.getStatus().getUsed());
            used.putAll(podUse);
            for (var e : hard.entrySet()) {
                BigDecimal per = switch (e.getKey()) {
                    case "requests.cpu", "cpu" -> shape.cpu();
                    case "requests.memory", "memory" -> shape.memory();
                    case "pods", "count/pods", "count/jobs.batch" -> BigDecimal.ONE;
                    default -> null;
                };
                if (per == null) {
                    continue;
                }
                BigDecimal headroom = e.getValue().getNumericalAmount().subtract(TaskShape.amount(used, e.getKey()));
                slots = Math.min(slots, Math.max(0, fit(headroom, per)));
            }
        }
        return (int) slots;
    }

    private static long fit(BigDecimal free, BigDecimal per) {
        if (per.signum() <= 0) {
            return Integer.MAX_VALUE;
        }
        if (free.signum() <= 0) {
            return 0;
        }
        return free.divide(per, 0, RoundingMode.FLOOR).min(BigDecimal.valueOf(Integer.MAX_VALUE)).longValue();
    }

    /** A task pod of a fan-out resource (counted through its Job by the planner, not as another workload). */
    public static boolean isTask(Pod p) {
        return p.getMetadata() != null && p.getMetadata().getLabels() != null && p.getMetadata().getLabels().containsKey("fanout.dev/owner");
    }

    static boolean terminal(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /**
     * Every container of the pod, init and main, has exited with 0 while its phase is not Succeeded yet: with restartPolicy
     * Never nothing runs again and the result is final. The kubelet turns the phase a second later (once it has stopped
     * the pod's sandbox), and the Job controller a second after that; a batch's last step waits on neither. The pod's
     * requests still hold its node until the phase turns: its Job is kept and keeps its window slot until then
     * (JobCleaner, TaskAdmitter), and an aggregate Job waits for it.
     */
    public static boolean finishing(Pod p) {
        if (p.getSpec() == null || p.getStatus() == null || !"Never".equals(p.getSpec().getRestartPolicy()) || terminal(p)) {
            return false;
        }
        return allExitedZero(p.getSpec().getInitContainers(), p.getStatus().getInitContainerStatuses())
                && allExitedZero(p.getSpec().getContainers(), p.getStatus().getContainerStatuses());
    }

    private static boolean allExitedZero(List<Container> spec, List<ContainerStatus> statuses) {
        int containers = spec == null ? 0 : spec.size();
        if (containers == 0) {
            return true;
        }
        if (statuses == null || statuses.size() != containers) {
            return false;
        }
        return spec.stream().allMatch(c -> c.getRestartPolicy() == null) // no sidecar (it would never exit by itself)
                && statuses.stream().allMatch(s -> s.getState() != null && s.getState().getTerminated() != null
                        && Integer.valueOf(0).equals(s.getState().getTerminated().getExitCode()));
    }

    /** Effective requests as the scheduler counts them: max(sum of containers, largest init container). */
    static BigDecimal[] requests(Pod p) {
        BigDecimal cpu = BigDecimal.ZERO;
        BigDecimal mem = BigDecimal.ZERO;
        for (Container c : p.getSpec().getContainers()) {
            Map<String, Quantity> r = c.getResources() == null ? null : c.getResources().getRequests();
            cpu = cpu.add(TaskShape.amount(r, "cpu"));
            mem = mem.add(TaskShape.amount(r, "memory"));
        }
        if (p.getSpec().getInitContainers() != null) {
            for (Container c : p.getSpec().getInitContainers()) {
                Map<String, Quantity> r = c.getResources() == null ? null : c.getResources().getRequests();
                cpu = cpu.max(TaskShape.amount(r, "cpu"));
                mem = mem.max(TaskShape.amount(r, "memory"));
            }
        }
        return new BigDecimal[] {cpu, mem};
    }

    static boolean usable(Node n, TaskShape shape) {
        if (n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
            return false;
        }
        if (n.getStatus() == null || n.getStatus().getAllocatable() == null || n.getStatus().getConditions() == null
                || n.getStatus().getConditions().stream().noneMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
            return false;
        }
        Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
        for (var e : shape.nodeSelector().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        List<Taint> taints = n.getSpec() == null || n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
        for (Taint t : taints) {
            if (("NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
                    && shape.tolerations().stream().noneMatch(tol -> tolerates(tol, t))) {
                return false;
            }
        }
        return true;
    }

    static boolean tolerates(Toleration tol, Taint t) {
        if (tol.getEffect() != null && !tol.getEffect().isEmpty() && !tol.getEffect().equals(t.getEffect())) {
            return false;
        }
        if (tol.getKey() == null || tol.getKey().isEmpty()) {
            return "Exists".equals(tol.getOperator());
        }
        if (!tol.getKey().equals(t.getKey())) {
            return false;
        }
        return "Exists".equals(tol.getOperator()) || java.util.Objects.equals(tol.getValue(), t.getValue());
    }
}
