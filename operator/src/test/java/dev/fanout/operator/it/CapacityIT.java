package dev.fanout.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capacity window on simulated nodes (kwok: task pods "run" for 2 s, nothing is downloaded): the active Jobs, watched
 * for the whole run, never exceed what the nodes hold for one task's requests, follow a change of node allocatable and a
 * ResourceQuota, and are shared fairly between two SpatialLoads.
 */
class CapacityIT {
    @TempDir
    static Path dir;
    static KubernetesClient client;
    static OperatorProcess operator;
    /** Nodes of each test are new (pods of an earlier test's namespace may still be bound to that test's nodes). */
    static String pool;
    final List<String> namespaces = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        client = TestBed.client();
        operator = new OperatorProcess("CapacityIT").start();
    }

    @org.junit.jupiter.api.BeforeEach
    void newPool() {
        pool = "capacity-" + Long.toString(System.nanoTime() % 1_000_000);
    }

    @AfterAll
    static void tearDown() throws Exception {
        operator.close();
        client.close();
    }

    @AfterEach
    void cleanNamespaces() {
        namespaces.forEach(ns -> client.namespaces().withName(ns).delete());
        client.nodes().withLabel("fanout.dev/pool", pool).delete();
    }

    /** kwok nodes of this test's pool, each with {@code cpu} allocatable. */
    static void nodes(int count, String cpu) {
        TestBed.kwokNodes(client, pool, count, cpu);
    }

    static SpatialLoad load(String name, int layers, int max) {
        List<LayerSpec> ls = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            ls.add(TestBed.layer("l" + i, "http://127.0.0.1:9/never-fetched-" + i + ".shp", "t" + i));
        }
        SpatialLoad sl = TestBed.spatialLoad(name, "capacity", ls);
        sl.getSpec().parallelism.max = max;
        sl.getSpec().resources = new ResourceRequirementsBuilder().withRequests(Map.of("cpu", new Quantity("1"), "memory", new Quantity("1Gi"))).build();
        sl.getSpec().nodeSelector = Map.of("fanout.dev/pool", pool);
        sl.getSpec().tolerations = List.of(new TolerationBuilder().withKey("kwok.x-k8s.io/node").withOperator("Exists").withEffect("NoSchedule").build());
        return sl;
    }

    /** Running task pods per owner (what holds capacity), checked against a bound on every change. */
    static final class ActiveJobs implements AutoCloseable {
        final Map<String, Set<String>> byOwner = new ConcurrentHashMap<>();
        final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile int maxTotal;
        final Map<String, Integer> maxByOwner = new ConcurrentHashMap<>();
        volatile IntSupplier bound = () -> Integer.MAX_VALUE;
        volatile boolean bothActiveAtOnce;
        private final Watch watch;

        ActiveJobs(String ns) {
            watch = client.pods().inNamespace(ns).withLabel("fanout.dev/owner").watch(new Watcher<>() {
                @Override
                public synchronized void eventReceived(Action action, Pod pod) {
                    String owner = pod.getMetadata().getLabels().get("fanout.dev/owner");
                    Set<String> active = byOwner.computeIfAbsent(owner, k -> ConcurrentHashMap.newKeySet());
                    if (action == Action.DELETED || TestBed.JobWatch.ended(pod)) {
                        active.remove(pod.getMetadata().getName());
                    } else {
                        active.add(pod.getMetadata().getName());
                    }
                    int total = byOwner.values().stream().mapToInt(Set::size).sum();
                    maxTotal = Math.max(maxTotal, total);
                    maxByOwner.merge(owner, active.size(), Math::max);
                    if (total > bound.getAsInt()) {
                        violations.add(total + " running task pods > window " + bound.getAsInt() + " at " + pod.getMetadata().getName()
                                + " (" + action + "): " + byOwner);
                    }
                    bothActiveAtOnce |= byOwner.size() > 1 && byOwner.values().stream().allMatch(s -> !s.isEmpty());
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
        }

        @Override
        public void close() {
            watch.close();
        }
    }

    int done(String ns, String name) {
        SpatialLoad sl = client.resources(SpatialLoad.class).inNamespace(ns).withName(name).get();
        return sl == null || sl.getStatus() == null || sl.getStatus().progress == null ? 0
                : Integer.parseInt(sl.getStatus().progress.split("/")[0]);
    }

    @Test
    void theWindowFollowsNodeAllocatableAndQuota() throws Exception {
        String ns = TestBed.namespace(client, "cap");
        namespaces.add(ns);
        nodes(2, "2"); // 2 nodes x 2 CPUs, 1-CPU tasks: 4 slots
        try (ActiveJobs jobs = new ActiveJobs(ns)) {
            jobs.bound = () -> 4;
            client.resources(SpatialLoad.class).inNamespace(ns).resource(load("big", 60, 10)).create();
            await().atMost(Duration.ofMinutes(2)).until(() -> done(ns, "big") >= 12);
            assertThat(jobs.violations).isEmpty();
            assertThat(jobs.maxTotal).as("the window was used").isEqualTo(4);

            // Nodes grow to 3 CPUs each: 6 slots.
            int before = jobs.maxTotal;
            jobs.bound = () -> 6;
            nodes(2, "3");
            await().atMost(Duration.ofMinutes(2)).until(() -> done(ns, "big") >= 36);
            assertThat(jobs.violations).isEmpty();
            assertThat(jobs.maxTotal).as("the window grew with allocatable").isGreaterThan(before).isLessThanOrEqualTo(6);

            // A quota of 2 CPUs in the namespace: 2 slots once the Jobs started before it have finished.
            client.resourceQuotas().inNamespace(ns).resource(new ResourceQuotaBuilder().withNewMetadata().withName("cpu").endMetadata()
                    .withNewSpec().withHard(Map.of("requests.cpu", new Quantity("2"))).endSpec().build()).create();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                var q = client.resourceQuotas().inNamespace(ns).withName("cpu").get();
                return q.getStatus() != null && q.getStatus().getHard() != null;
            });
            Thread.sleep(4000); // Jobs admitted before the quota (2 s each on kwok) end
            jobs.violations.clear();
            jobs.bound = () -> 2;
            await().atMost(Duration.ofMinutes(3)).until(() -> {
                SpatialLoad sl = client.resources(SpatialLoad.class).inNamespace(ns).withName("big").get();
                return sl.getStatus() != null && sl.getStatus().phase == Phase.Succeeded;
            });
            assertThat(jobs.violations).as("active Jobs beyond the quota's window").isEmpty();
        }
    }

    @Test
    void twoSpatialLoadsShareTheCapacity() throws Exception {
        String ns = TestBed.namespace(client, "share");
        namespaces.add(ns);
        nodes(2, "2");
        try (ActiveJobs jobs = new ActiveJobs(ns)) {
            jobs.bound = () -> 4;
            client.resources(SpatialLoad.class).inNamespace(ns).resource(load("first", 20, 10)).create();
            client.resources(SpatialLoad.class).inNamespace(ns).resource(load("second", 20, 10)).create();
            await().atMost(Duration.ofMinutes(3)).until(() -> done(ns, "first") == 20 && done(ns, "second") == 20);
            assertThat(jobs.violations).isEmpty();
            assertThat(jobs.bothActiveAtOnce).as("both ran at the same time").isTrue();
            // Fair: the two shared the window, so they end close together (one after the other, the second would need
            // twice as long: ~10 s more with 20 tasks of 2 s on 4 slots).
            var first = client.resources(SpatialLoad.class).inNamespace(ns).withName("first").get();
            var second = client.resources(SpatialLoad.class).inNamespace(ns).withName("second").get();
            long apart = Math.abs(java.time.Instant.parse(first.getStatus().completionTime).getEpochSecond()
                    - java.time.Instant.parse(second.getStatus().completionTime).getEpochSecond());
            assertThat(apart).as("seconds between their completions").isLessThanOrEqualTo(6);
        }
    }
}
