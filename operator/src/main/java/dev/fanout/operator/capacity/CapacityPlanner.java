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
import java.util.ArrayList;
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
 * Decides how many task Jobs each fan-out resource may run now, from live Nodes, Pods and ResourceQuotas (its own
 * informers) and the demands of every resource the operator runs, shared fairly ({@link FairShare}). Jobs just admitted
 * count as taken until their pods show up, so two resources reconciled back to back cannot both take the same free
 * slot. Node, Pod and quota changes wake the resources still waiting for slots.
 */
@ApplicationScoped
public class CapacityPlanner {
    private static final Logger LOG = Logger.getLogger(CapacityPlanner.class);
    private static final long RESERVATION_MILLIS = 60_000;
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
    /** job name -> (owner, admitted at): admitted Jobs whose pods the informer has not shown yet. */
    private final Map<String, long[]> reservations = new ConcurrentHashMap<>();
    private final Map<String, String> reservationOwner = new ConcurrentHashMap<>();
    private final List<Consumer<String>> wakeListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService debounce = Executors.newSingleThreadScheduledExecutor();
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
    private volatile boolean started;

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
    public void release(String owner) {
        owners.remove(owner);
    }

    /** Records that a Job was created for {@code owner}: it takes a slot until its pod appears. */
    public void reserve(String owner, String jobName) {
        reservations.put(jobName, new long[] {System.currentTimeMillis()});
        reservationOwner.put(jobName, owner);
    }

    /** How many task Jobs {@code d.owner()} may run and start now. */
    public synchronized Window window(Demand d) {
        start();
        long now = System.currentTimeMillis();
        owners.put(d.owner(), new Registered(d, now));
        owners.values().removeIf(r -> now - r.seenAt() > OWNER_TTL_MILLIS);
        if (d.fixed()) {
            int cap = Math.min(d.userCap(), d.remaining());
            return new Window(cap, Math.max(0, cap - d.active()));
        }
        List<Pod> podList = pods.getStore().list();
        expireReservations(podList, now);
        int free = ClusterCapacity.freeSlots(d.shape(), nodes.getStore().list(), podList);
        // Pods of ours not bound to a node yet and Jobs without pods yet will take slots soon.
        long pendingOwn = podList.stream().filter(p -> p.getSpec().getNodeName() == null && p.getMetadata().getLabels() != null
                && p.getMetadata().getLabels().containsKey("fanout.dev/owner")).count();
        free = (int) Math.max(0, free - pendingOwn - reservations.size());
        List<ResourceQuota> nsQuotas = quotas.getStore().list().stream()
                .filter(q -> d.namespace().equals(q.getMetadata().getNamespace())).toList();
        int quotaFree = Math.max(0, ClusterCapacity.quotaSlots(d.shape(), nsQuotas) - reservedIn(d.namespace()));
        // Fair share of (free + what every resource runs now) between the resources that still want slots.
        int running = 0;
        Map<String, Integer> wants = new HashMap<>();
        for (Registered r : owners.values()) {
            Demand o = r.demand();
            running += o.active();
            wants.put(o.owner(), Math.min(o.userCap(), o.remaining()));
        }
        int share = FairShare.divide(free + running, wants).getOrDefault(d.owner(), 0);
        int window = Math.max(1, Math.min(share, Math.min(d.userCap(), d.remaining())));
        int admit = Math.max(0, Math.min(window - d.active(), Math.min(free, quotaFree)));
        if (d.active() == 0 && admit == 0 && d.remaining() > 0 && quotaFree > 0) {
            admit = 1; // at least one: a resource is never starved; the scheduler queues its pod
        }
        LOG.debugf("window %s: free=%d quota=%d share=%d window=%d active=%d admit=%d", d.owner(), free, quotaFree, share, window,
                d.active(), admit);
        return new Window(window, admit);
    }

    private int reservedIn(String namespace) {
        int n = 0;
        for (String owner : reservationOwner.values()) {
            if (owner.startsWith(namespace + "/")) {
                n++;
            }
        }
        return n;
    }

    private void expireReservations(List<Pod> podList, long now) {
        for (Pod p : podList) {
            String job = p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get("job-name");
            if (job != null && reservations.remove(job) != null) {
                reservationOwner.remove(job);
            }
        }
        for (var it = reservations.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (now - e.getValue()[0] > RESERVATION_MILLIS) {
                reservationOwner.remove(e.getKey());
                it.remove();
            }
        }
    }

    /** For tests and status: free slots for a shape, nothing reserved. */
    public int freeSlots(TaskShape shape) {
        start();
        return ClusterCapacity.freeSlots(shape, nodes.getStore().list(), new ArrayList<>(pods.getStore().list()));
    }
}
