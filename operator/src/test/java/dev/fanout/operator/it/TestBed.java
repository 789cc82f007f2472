package dev.fanout.operator.it;

import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SourceSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadSpec;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/** The running test bed (./dev/test.sh brings it up) as the operator's end-to-end tests use it. */
final class TestBed {
    private TestBed() {
    }

    static KubernetesClient client() {
        if (System.getenv("KUBECONFIG") == null) {
            throw new IllegalStateException("KUBECONFIG is not set: the ITs need the test bed; run ./dev/test.sh");
        }
        KubernetesClient client = new KubernetesClientBuilder().build();
        installCrds(client);
        return client;
    }

    /** The CRDs from crds/ (what users install), applied like `kubectl apply --server-side`, then waited for. */
    static synchronized void installCrds(KubernetesClient client) {
        java.nio.file.Path crds = java.nio.file.Path.of(System.getProperty("fanout.root", "..")).resolve("crds");
        try (var files = java.nio.file.Files.list(crds)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                try (var in = java.nio.file.Files.newInputStream(f)) {
                    var crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
                    client.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                        var c = client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName()).get();
                        return c.getStatus() != null && c.getStatus().getConditions().stream()
                                .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True"));
                    });
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + crds, e);
        }
    }

    /**
     * A namespace enforcing the restricted Pod Security Standard (so every task pod proves it passes), with the DB Secret
     * as pods see the database: the test bed's Service for PostGIS ({@code FANOUT_POD_DB_URL}).
     */
    static String namespace(KubernetesClient client, String prefix) {
        String ns = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .withLabels(Map.of("pod-security.kubernetes.io/enforce", "restricted")).endMetadata().build()).create();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.serviceAccounts().inNamespace(ns).withName("default").get() != null);
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("postgis").endMetadata()
                .withStringData(Map.of("url", env("FANOUT_POD_DB_URL"), "user", env("FANOUT_DB_USER"), "password", env("FANOUT_DB_PASSWORD")))
                .build()).create();
        return ns;
    }

    /**
     * A SpatialLoad or batch once it has ended (Succeeded or Failed), polled every {@code poll} for at most {@code atMost};
     * the test then asserts which, with the status message to show why.
     */
    static <T extends io.fabric8.kubernetes.client.CustomResource<?, ? extends dev.fanout.operator.crds.v1alpha1.common.FanoutStatus>> T
            awaitEnded(KubernetesClient client, String ns, Class<T> type, String name, Duration atMost, Duration poll) {
        Awaitility.await().atMost(atMost).pollInterval(poll).until(() -> {
            T r = client.resources(type).inNamespace(ns).withName(name).get();
            return r.getStatus() != null && (r.getStatus().phase == dev.fanout.operator.crds.v1alpha1.common.Phase.Succeeded
                    || r.getStatus().phase == dev.fanout.operator.crds.v1alpha1.common.Phase.Failed);
        });
        return client.resources(type).inNamespace(ns).withName(name).get();
    }

    /**
     * A PersistentVolumeClaim bound to a static hostPath volume on {@code dir} (the test bed has no provisioner); the
     * volume is named after the namespace and claim.
     */
    static void hostPathClaim(KubernetesClient client, String ns, String claim, java.nio.file.Path dir, String accessMode) {
        String pv = ns + "-" + claim;
        client.persistentVolumes().resource(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder().withNewMetadata().withName(pv)
                .endMetadata().withNewSpec().withCapacity(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")))
                .withAccessModes(accessMode).withStorageClassName("").withNewHostPath().withPath(dir.toString()).endHostPath().endSpec()
                .build()).create();
        client.persistentVolumeClaims().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(claim).endMetadata().withNewSpec().withAccessModes(accessMode).withStorageClassName("")
                .withVolumeName(pv).withNewResources().addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                .endResources().endSpec().build()).create();
    }

    /** The EnergyPlus image of the test bed (dev/images.sh): the PyPI engine laid out like nrel/energyplus. */
    static final String ENERGYPLUS_IMAGE = "fanout/energyplus-pypi:25.2.0";

    /** After a test class: its operator stopped, its namespace deleted (with what is in it), the client closed. */
    static void stop(OperatorProcess operator, KubernetesClient client, String ns) throws InterruptedException {
        if (operator != null) {
            operator.close();
        }
        if (client != null) {
            client.namespaces().withName(ns).delete();
            client.close();
        }
    }

    static void dropSchema(String schema) {
        try (java.sql.Connection c = dev.fanout.worker.TestDatabase.connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot drop schema " + schema, e);
        }
    }

    static String env(String name) {
        String v = System.getenv(name);
        if (v == null) {
            throw new IllegalStateException(name + " is not set: run ./dev/test.sh");
        }
        return v;
    }

    static SpatialLoad spatialLoad(String name, String schema, List<LayerSpec> layers) {
        SpatialLoad sl = new SpatialLoad();
        sl.getMetadata().setName(name);
        SpatialLoadSpec spec = new SpatialLoadSpec();
        spec.database = new DatabaseSpec();
        spec.database.secretRef = new SecretKeys();
        spec.database.secretRef.name = "postgis";
        spec.database.schema = schema;
        spec.layers = new ArrayList<>(layers);
        sl.setSpec(spec);
        return sl;
    }

    /** The first column of the first row of a query on the test bed's PostGIS, as a number. */
    static long count(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = dev.fanout.worker.TestDatabase.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A load's layer statuses by name. */
    static Map<String, dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus> layers(SpatialLoad sl) {
        return sl.getStatus().layers.stream().collect(java.util.stream.Collectors.toMap(l -> l.name, l -> l));
    }

    static LayerSpec layer(String name, String url, String table) {
        LayerSpec l = new LayerSpec();
        l.name = name;
        l.source = new SourceSpec();
        l.source.url = url;
        l.table = table;
        return l;
    }

    /** The three Natural Earth layers as {@link dev.fanout.worker.testdata.SharedData#copyNaturalEarthLayers} lays them out, admin 1 linked to admin 0. */
    static List<LayerSpec> worldLayers(dev.fanout.worker.testdata.FileServer http) {
        LayerSpec admin0 = layer("admin0", http.url("admin0/ne_50m_admin_0_countries.shp"), "admin_level_0");
        LayerSpec admin1 = layer("admin1", http.url("admin1/ne_50m_admin_1_states_provinces.shp"), "admin_level_1");
        admin1.parent = new dev.fanout.operator.crds.v1alpha1.spatialload.ParentLinkSpec();
        admin1.parent.layer = "admin0";
        admin1.parent.column = "adm0_a3";
        admin1.parent.parentColumn = "adm0_a3";
        return List.of(admin0, admin1, layer("timezones", http.url("tz/ne_10m_time_zones.shp"), "timezones"));
    }

    /**
     * kwok nodes labelled fanout.dev/pool={@code pool} (tainted, so only pods tolerating kwok land there), each with
     * {@code cpu} allocatable, waited for until Ready; an existing node of that name gets the new allocatable.
     */
    static void kwokNodes(KubernetesClient client, String pool, int count, String cpu) {
        for (int i = 0; i < count; i++) {
            Map<String, io.fabric8.kubernetes.api.model.Quantity> res = Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity(cpu),
                    "memory", new io.fabric8.kubernetes.api.model.Quantity("16Gi"), "pods", new io.fabric8.kubernetes.api.model.Quantity("110"));
            String name = pool + "-" + i;
            var node = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(name).withLabels(Map.of("fanout.dev/pool", pool))
                    .withAnnotations(Map.of("kwok.x-k8s.io/node", "fake")).endMetadata()
                    .withNewSpec().addNewTaint().withKey("kwok.x-k8s.io/node").withValue("fake").withEffect("NoSchedule").endTaint().endSpec()
                    .withNewStatus().withAllocatable(res).withCapacity(res).endStatus().build();
            if (client.nodes().withName(name).get() == null) {
                client.nodes().resource(node).create();
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> { // kwok writes node status too: retry conflicts
                var n = client.nodes().withName(name).get();
                n.getStatus().setAllocatable(res);
                n.getStatus().setCapacity(res);
                client.nodes().resource(n).updateStatus();
                return true;
            });
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.nodes().withLabel("fanout.dev/pool", pool).list().getItems().stream()
                .filter(n -> n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))).count() == count);
    }

    /**
     * Every Job the namespace ever had, in creation order, and the most task pods running at once: the window bounds
     * pods that hold resources (a Job whose pod has ended frees its slot before the Job controller marks it).
     */
    static final class JobWatch implements AutoCloseable {
        final List<String> created = new CopyOnWriteArrayList<>();
        /** The tasks each created Job runs (one, or a pack's), in creation order. */
        final List<List<String>> tasks = new CopyOnWriteArrayList<>();
        final java.util.Set<String> active = java.util.concurrent.ConcurrentHashMap.newKeySet();
        volatile int maxActive;
        /** Each pod event as seen (time, action, pod, phase, containers ended), for an assertion's message. */
        final List<String> timeline = new CopyOnWriteArrayList<>();
        private final Watch jobWatch;
        private final Watch podWatch;

        JobWatch(KubernetesClient client, String ns) {
            // Pods of an earlier test in the namespace are not this test's: a batch may end while its last pod, its
            // containers exited, has not turned its phase yet.
            java.util.Set<String> before = client.pods().inNamespace(ns).withLabel("fanout.dev/owner").list().getItems().stream()
                    .map(p -> p.getMetadata().getName()).collect(java.util.stream.Collectors.toSet());
            jobWatch = client.batch().v1().jobs().inNamespace(ns).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Job job) {
                    String name = job.getMetadata().getName();
                    if (action == Action.ADDED) {
                        created.add(name); // every creation, so a Job made twice under one name shows as a duplicate
                        tasks.add(dev.fanout.operator.tasks.TaskJobs.members(job).stream().map(dev.fanout.operator.tasks.TaskJobs.Member::id).toList());
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
            podWatch = client.pods().inNamespace(ns).withLabel("fanout.dev/owner").watch(new Watcher<>() {
                @Override
                public synchronized void eventReceived(Action action, Pod pod) {
                    if (before.contains(pod.getMetadata().getName())) {
                        return;
                    }
                    timeline.add(java.time.LocalTime.now() + " " + action + " " + pod.getMetadata().getName() + " "
                            + (pod.getStatus() == null ? null : pod.getStatus().getPhase())
                            + (dev.fanout.operator.capacity.ClusterCapacity.finishing(pod) ? " (containers exited)" : ""));
                    if (action == Action.DELETED || ended(pod)) {
                        active.remove(pod.getMetadata().getName());
                    } else {
                        active.add(pod.getMetadata().getName());
                    }
                    maxActive = Math.max(maxActive, active.size());
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
        }

        static boolean ended(Pod pod) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            return "Succeeded".equals(phase) || "Failed".equals(phase);
        }

        @Override
        public void close() {
            jobWatch.close();
            podWatch.close();
        }
    }
}
