package dev.fanout.operator.capacity;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Decides how many task Jobs each fan-out resource may run now: the slots the nodes offer one task's requests (live Nodes
 * and other workloads' Pods, from its own informers), capped by the namespace's quota, shared fairly
 * ({@link FairShare}) between every resource the operator runs. The resources' own use is counted by their active Jobs
 * and the slots just granted to them, so two resources reconciled back to back cannot take the same slot and the number
 * of active Jobs never exceeds the window. Node, Pod and quota changes wake the resources still waiting for slots.
 * Resources with different requests share in slots of the asking resource's shape (an approximation).
 */
@ApplicationScoped
public class CapacityPlanner {
    private static final Logger LOG = Logger.getLogger(CapacityPlanner.class);
    private static final long OWNER_TTL_MILLIS = 120_000;

    /** A resource's request for slots. */
    public record Demand(String owner, String namespace, TaskShape shape, int userCap, boolean fixed, int remaining, int active) {
    }

    /** The answer: the window (how many may run) and how many new Jobs may start now. */
    public record Window(int capacity, int admit) {
    }

    private record Registered(Demand demand, long seenAt) {
    }

    @Inject
    KubernetesClient client;

    private SharedIndexInformer<Node> nodes;
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<ResourceQuota> quotas;
    private final Map<String, Registered> owners = new ConcurrentHashMap<>();
    /** Slots granted to an owner by its last window() call: taken until its next call counts them as active Jobs. */
    private final Map<String, Integer> admitted = new ConcurrentHashMap<>();
    private final List<Consumer<String>> wakeListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService debounce = Executors.newSingleThreadScheduledExecutor();
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
    private volatile boolean started;

    CapacityPlanner() {
        // for CDI, which injects the client
    }

    /** A planner outside CDI (the in-process reconcile tests). */
    public CapacityPlanner(KubernetesClient client) {
        this.client = client;
    }

    synchronized void start() {
        if (started) {
            return;
        }
        ResourceEventHandler<Object> onChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object o) {
                changed();
            }

            @Override
            public void onUpdate(Object a, Object b) {
                changed();
            }

            @Override
            public void onDelete(Object o, boolean unknown) {
                changed();
            }
        };
        nodes = client.nodes().inform();
        pods = client.pods().inAnyNamespace().inform(); // terminal pods are skipped when counting
        quotas = client.resourceQuotas().inAnyNamespace().inform();
        nodes.addEventHandler(cast(onChange));
        pods.addEventHandler(cast(onChange));
        quotas.addEventHandler(cast(onChange));
        started = true;
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
        return (ResourceEventHandler<T>) h;
    }

    void stop(@Observes ShutdownEvent ev) {
        debounce.shutdownNow();
        if (nodes != null) {
            nodes.stop();
            pods.stop();
            quotas.stop();
        }
    }

    /** Called with an owner key ("namespace/kind/name") when capacity changed and that owner still waits for slots. */
    public void onWake(Consumer<String> listener) {
        wakeListeners.add(listener);
    }

    /** Capacity changes come in bursts (a Job's pod goes through several updates): wake waiting owners at most twice a second. */
    private void changed() {
        if (wakeScheduled.compareAndSet(false, true)) {
            debounce.schedule(() -> {
                wakeScheduled.set(false);
                for (Registered r : owners.values()) {
                    if (r.demand().remaining() > r.demand().active()) {
                        wakeListeners.forEach(l -> l.accept(r.demand().owner()));
                    }
                }
            }, 500, TimeUnit.MILLISECONDS);
        }
    }

    /** The owner is finished or gone: its demand no longer counts. */
    public synchronized void release(String owner) {
        owners.remove(owner);
        admitted.remove(owner);
    }

    /** How many task Jobs {@code d.owner()} may run and start now. Called on every pass while the owner has unfinished tasks. */
    public synchronized Window window(Demand d) {
        start();
        long now = System.currentTimeMillis();
        owners.put(d.owner(), new Registered(d, now));
        owners.values().removeIf(r -> now - r.seenAt() > OWNER_TTL_MILLIS);
        admitted.remove(d.owner()); // the previous grant is in d.active() now (or was not used)
        if (d.fixed()) {
            int cap = Math.min(d.userCap(), d.remaining());
            return new Window(cap, Math.max(0, cap - d.active()));
        }
        // Slots for this shape on the nodes, other workloads' pods taken out; the fan-out resources' own use is counted
        // by their active Jobs (plus what was just granted), so a Job counts from its creation until its outcome is
        // recorded and its pod has left the node (ClusterCapacity#finishing: its phase turned), whatever the pod is doing.
        List<Pod> others = pods.getStore().list().stream().filter(p -> !ClusterCapacity.isTask(p)).toList();
        List<Pod> othersHere = others.stream().filter(p -> d.namespace().equals(p.getMetadata().getNamespace())).toList();
        int slots = ClusterCapacity.freeSlots(d.shape(), nodes.getStore().list(), others);
        int used = 0;
        int usedHere = 0;
        Map<String, Integer> wants = new HashMap<>();
        for (Registered r : owners.values()) {
            Demand o = r.demand();
            int n = o.active() + admitted.getOrDefault(o.owner(), 0);
            used += n;
            usedHere += o.namespace().equals(d.namespace()) ? n : 0;
            wants.put(o.owner(), Math.min(o.userCap(), o.remaining()));
        }
        int free = Math.max(0, slots - used);
        List<ResourceQuota> nsQuotas = quotas.getStore().list().stream()
                .filter(q -> d.namespace().equals(q.getMetadata().getNamespace())).toList();
        int quotaSlots = ClusterCapacity.quotaSlots(d.shape(), nsQuotas, othersHere);
        int quotaFree = quotaSlots == Integer.MAX_VALUE ? Integer.MAX_VALUE : Math.max(0, quotaSlots - usedHere);
        int share = FairShare.divide(slots, wants).getOrDefault(d.owner(), 0);
        int window = Math.max(1, Math.min(Math.min(share, quotaSlots), Math.min(d.userCap(), d.remaining())));
        int admit = Math.max(0, Math.min(window - d.active(), Math.min(free, quotaFree)));
        if (admit == 0 && used == 0 && d.remaining() > 0 && quotaSlots > 0) {
            // At least one: with the cluster full of other work a resource still runs a task (the scheduler queues its
            // pod). While fan-out Jobs run, the fair share hands each resource its part as they end.
            admit = 1;
        }
        if (admit > 0) {
            admitted.put(d.owner(), admit);
        }
        LOG.debugf("window %s: slots=%d used=%d quota=%d share=%d window=%d active=%d admit=%d", d.owner(), slots, used, quotaFree,
                share, window, d.active(), admit);
        return new Window(window, admit);
    }
}
