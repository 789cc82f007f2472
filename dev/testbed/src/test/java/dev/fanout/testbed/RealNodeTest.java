package dev.fanout.testbed;

import static dev.fanout.testbed.TestBed.jobCondition;
import static dev.fanout.testbed.TestBed.restrictedContainer;
import static dev.fanout.testbed.TestBed.restrictedPodSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The test bed's real node: Jobs get Pods from the real Job controller, the real scheduler binds them to the node, the
 * kubelet runs them in containers (containerd + runc) from the images dev/images.sh built, and what a kubelet enforces
 * holds: the pod's user, a read-only root filesystem, memory limits (OOMKilled), logs and exec through the API server,
 * Services through kube-proxy.
 */
class RealNodeTest {
    /** An image with a shell: the worker's (Debian base), run with a command of the test's. */
    static final String SHELL_IMAGE = "fanout/worker:" + System.getProperty("fanout.version", "0.1.0");
    static KubernetesClient client;
    static String ns;

    @BeforeAll
    static void setUp() {
        client = TestBed.client();
        ns = TestBed.createRestrictedNamespace(client, "node");
    }

    @AfterAll
    static void tearDown() {
        if (client != null) {
            client.namespaces().withName(ns).delete();
            client.close();
        }
    }

    private Job run(Job job, String until) {
        client.batch().v1().jobs().inNamespace(ns).resource(job).create();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> jobCondition(client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get(), until));
        return client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
    }

    private Pod onlyPodOf(String jobName) {
        List<Pod> pods = client.pods().inNamespace(ns).withLabel("job-name", jobName).list().getItems();
        assertThat(pods).hasSize(1);
        return pods.get(0);
    }

    private static ContainerStateTerminated terminated(Pod pod, String container) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(container)).findFirst()
                .orElseThrow().getState().getTerminated();
    }

    private static Job shellJob(String name, String script) {
        return TestBed.job(name, restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE)
                .withCommand("sh", "-c", script).build())));
    }

    @Test
    void workerImageRunsOnTheNodeInAContainerAndKubectlLogsShowsItsOutput() throws Exception {
        Job job = run(TestBed.job("worker-version", restrictedPodSpec(List.of(
                restrictedContainer("worker", SHELL_IMAGE).withArgs("version").build()))), "Complete");
        assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
        Pod pod = onlyPodOf("worker-version");
        assertThat(pod.getSpec().getNodeName()).isEqualTo(TestBed.LOCAL_NODE);
        assertThat(pod.getStatus().getPodIP()).startsWith("10.88.");
        assertThat(terminated(pod, "worker").getExitCode()).isZero();
        assertThat(terminated(pod, "worker").getReason()).isEqualTo("Completed");
        // The container ran from the image (containerd reports the image's digest), and its log comes through the kubelet.
        assertThat(pod.getStatus().getContainerStatuses().get(0).getImageID()).startsWith("sha256:");
        assertThat(kubectl("logs", "-n", ns, pod.getMetadata().getName())).startsWith("fanout-worker ")
                // the image has OpenSSL's libcrypto, so sources are hashed at its speed in short JVMs (Sha256)
                .contains("sha256 openssl");
    }

    @Test
    void podsRunAsTheirUserWithAReadOnlyRootAndAWritableTmp() {
        var tmp = new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build();
        var spec = restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE).withVolumeMounts(tmp)
                .editSecurityContext().withReadOnlyRootFilesystem(true).endSecurityContext()
                .withCommand("sh", "-c", "{ id -u; touch /app/x 2>&1 || echo root-refused; echo ok > /tmp/t && cat /tmp/t; } > /dev/termination-log")
                .build())).withVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
        run(TestBed.job("readonly", spec), "Complete");
        String message = terminated(onlyPodOf("readonly"), "main").getMessage();
        assertThat(message.lines().toList()).startsWith("10001").contains("root-refused", "ok");
        assertThat(message).contains("Read-only file system");
    }

    /**
     * The image loads sqlite-jdbc's native library from /app/native (see worker-image/Dockerfile): with a read-only root
     * and no writable /tmp, where sqlite-jdbc could not extract its own, the worker still reads a GeoPackage.
     */
    @Test
    void workerImageReadsAGeoPackageWithTheNativeLibraryItShipsOnAReadOnlyRoot() throws Exception {
        Path gpkg = Files.createTempFile("one", ".gpkg");
        try {
            Files.delete(gpkg);
            writeGeoPackage(gpkg);
            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("gpkg").endMetadata()
                    .addToBinaryData("one.gpkg", java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(gpkg))).build()).create();
        } finally {
            Files.deleteIfExists(gpkg);
        }
        var data = new VolumeMountBuilder().withName("data").withMountPath("/data").withReadOnly(true).build();
        var work = new VolumeMountBuilder().withName("work").withMountPath("/work").build();
        var spec = restrictedPodSpec(List.of(restrictedContainer("worker", SHELL_IMAGE).withVolumeMounts(data, work)
                .editSecurityContext().withReadOnlyRootFilesystem(true).endSecurityContext()
                .withArgs("spatial", "load", "--dry-run", "--source", "/data/one.gpkg", "--table", "one", "--work-dir", "/work/scratch",
                        "--result", "/dev/termination-log").build()))
                .withVolumes(new VolumeBuilder().withName("data").withNewConfigMap().withName("gpkg").endConfigMap().build(),
                        new VolumeBuilder().withName("work").withNewEmptyDir().endEmptyDir().build());
        run(TestBed.job("gpkg", spec), "Complete");
        String result = terminated(onlyPodOf("gpkg"), "worker").getMessage();
        assertThat(result).contains("\"rows\":1").contains("\"geometryType\":\"MultiPolygon\"");
    }

    /** A GeoPackage of one polygon in EPSG:4326 (the tables and the geometry blob of the OGC GeoPackage spec, by hand). */
    private static void writeGeoPackage(Path file) throws Exception {
        java.nio.ByteBuffer wkb = java.nio.ByteBuffer.allocate(8 + 1 + 4 + 4 + 4 + 5 * 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        wkb.put(new byte[] {'G', 'P', 0, 1}).putInt(4326); // magic, version 0, flags: little endian, no envelope; srs_id
        wkb.put((byte) 1).putInt(3).putInt(1).putInt(5); // WKB: little endian, Polygon, one ring of five points
        for (double[] p : new double[][] {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}) {
            wkb.putDouble(p[0]).putDouble(p[1]);
        }
        try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); var st = db.createStatement()) {
            st.execute("PRAGMA application_id = 1196444487");
            st.execute("CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,"
                    + " organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)");
            st.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\","
                    + "SPHEROID[\"WGS 84\",6378137,298.257223563]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433],"
                    + "AUTHORITY[\"EPSG\",\"4326\"]]', NULL)");
            st.execute("CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT,"
                    + " description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)");
            st.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('one', 'features', 'one', 4326)");
            st.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
                    + " geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL)");
            st.execute("INSERT INTO gpkg_geometry_columns VALUES ('one', 'geom', 'POLYGON', 4326, 0, 0)");
            st.execute("CREATE TABLE one (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON, name TEXT)");
            try (var ps = db.prepareStatement("INSERT INTO one (geom, name) VALUES (?, 'square')")) {
                ps.setBytes(1, wkb.array());
                ps.executeUpdate();
            }
        }
    }

    @Test
    void aContainerOverItsMemoryLimitIsOomKilled() {
        // tail holds a line without a newline in memory: 200 MiB of zeros under a 32 MiB limit.
        var spec = restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE)
                .withCommand("sh", "-c", "head -c 200000000 /dev/zero | tail > /dev/null")
                .withNewResources().addToLimits("memory", new Quantity("32Mi")).endResources().build()));
        run(TestBed.job("oom", spec), "Failed");
        ContainerStateTerminated t = terminated(onlyPodOf("oom"), "main");
        assertThat(t.getReason()).isEqualTo("OOMKilled");
    }

    @Test
    void jobExitingWithCode2EndsFailedWithTheExitCodeInPodStatus() {
        Job job = run(TestBed.job("worker-bad-input", restrictedPodSpec(List.of(
                restrictedContainer("worker", SHELL_IMAGE).withArgs("no-such-command").build()))), "Failed");
        assertThat(job.getStatus().getFailed()).isEqualTo(1);
        Pod pod = onlyPodOf("worker-bad-input");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(terminated(pod, "worker").getExitCode()).isEqualTo(2);
        assertThat(terminated(pod, "worker").getReason()).isEqualTo("Error");
    }

    @Test
    void initContainersEnvFromSecretsConfigMapsFieldsEmptyDirAndTerminationMessage() {
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
                .withStringData(Map.of("password", "s3cret")).build()).create();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
                .withData(Map.of("greeting", "hello")).build()).create();
        var mount = new VolumeMountBuilder().withName("work").withMountPath("/work").build();
        var first = restrictedContainer("first", SHELL_IMAGE).withCommand("sh", "-c", "echo one > /work/order").withVolumeMounts(mount).build();
        var second = restrictedContainer("second", SHELL_IMAGE).withCommand("sh", "-c", "echo two >> /work/order").withVolumeMounts(mount).build();
        var main = restrictedContainer("main", SHELL_IMAGE).withVolumeMounts(mount)
                .withEnv(new EnvVarBuilder().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "db", false).endValueFrom().build(),
                        new EnvVarBuilder().withName("GREETING").withNewValueFrom().withNewConfigMapKeyRef("greeting", "cfg", false).endValueFrom().build(),
                        new EnvVarBuilder().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().build())
                .withCommand("sh", "-c", "printf '%s %s %s %s' \"$GREETING\" \"$PASSWORD\" \"${POD%%-*}\" \"$(tr '\\n' , < /work/order)\" > /dev/termination-log")
                .build();
        var spec = restrictedPodSpec(List.of(main)).withInitContainers(first, second)
                .withVolumes(new VolumeBuilder().withName("work").withNewEmptyDir().endEmptyDir().build());
        run(TestBed.job("plumbing", spec), "Complete");
        Pod pod = onlyPodOf("plumbing");
        assertThat(terminated(pod, "main").getMessage()).isEqualTo("hello s3cret plumbing one,two,");
        assertThat(pod.getStatus().getInitContainerStatuses()).extracting(s -> s.getState().getTerminated().getExitCode())
                .containsExactly(0, 0);
    }

    @Test
    void failingInitContainerFailsThePodWithoutStartingTheMainContainer() {
        var spec = restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE).withCommand("sh", "-c", "exit 0").build()))
                .withInitContainers(restrictedContainer("init", SHELL_IMAGE).withCommand("sh", "-c", "exit 7").build());
        run(TestBed.job("init-fails", spec), "Failed");
        Pod pod = onlyPodOf("init-fails");
        assertThat(pod.getStatus().getInitContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(7);
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getWaiting()).isNotNull();
    }

    @Test
    void podsReachTheApiServerAndPostgisThroughTheirServicesAndKubectlExecWorks() throws Exception {
        // bash's /dev/tcp opens a TCP connection: the kubernetes Service (ClusterIP -> the API server on the bridge) and
        // the test bed's PostGIS Service (manual endpoints -> PostgreSQL on the bridge), both through kube-proxy's rules.
        Pod pod = new PodBuilder().withNewMetadata().withName("prober").endMetadata()
                .withSpec(restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE).withCommand("sleep", "300").build()))
                        .withTerminationGracePeriodSeconds(1L).build())
                .build();
        client.pods().inNamespace(ns).resource(pod).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(client.pods().inNamespace(ns).withName("prober").get().getStatus().getPhase()));
        String probe = "for a in 10.0.0.1/443 10.0.0.15/5432; do (exec 3<>/dev/tcp/${a%/*}/${a#*/}) 2>/dev/null && echo open $a || echo closed $a; done";
        assertThat(kubectl("exec", "-n", ns, "prober", "--", "bash", "-c", probe).lines().toList())
                .containsExactly("open 10.0.0.1/443", "open 10.0.0.15/5432");
        assertThat(kubectl("exec", "-n", ns, "prober", "--", "id", "-u").strip()).isEqualTo("10001");
        client.pods().inNamespace(ns).withName("prober").delete();
    }

    @Test
    void deletingAPodStopsItsContainer() throws Exception {
        // A unique argument finds exactly this pod's process in the host's /proc (containers share the host's kernel).
        String marker = "sleep 301." + (System.nanoTime() % 1_000_000);
        Pod pod = new PodBuilder().withNewMetadata().withName("sleeper").endMetadata()
                .withSpec(restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE)
                        .withCommand("sh", "-c", "exec " + marker).build()))
                        .withTerminationGracePeriodSeconds(2L).build())
                .build();
        client.pods().inNamespace(ns).resource(pod).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(client.pods().inNamespace(ns).withName("sleeper").get().getStatus().getPhase()));
        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(marker) > 0);
        client.pods().inNamespace(ns).withName("sleeper").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(ns).withName("sleeper").get() == null);
        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(marker) == 0);
    }

    @Test
    void activeDeadlineSecondsEndsThePod() {
        Pod pod = new PodBuilder().withNewMetadata().withName("deadline").endMetadata()
                .withSpec(restrictedPodSpec(List.of(restrictedContainer("main", SHELL_IMAGE).withCommand("sleep", "120").build()))
                        .withActiveDeadlineSeconds(2L).withTerminationGracePeriodSeconds(1L).build())
                .build();
        client.pods().inNamespace(ns).resource(pod).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> "Failed".equals(client.pods().inNamespace(ns).withName("deadline").get().getStatus().getPhase()));
        assertThat(client.pods().inNamespace(ns).withName("deadline").get().getStatus().getReason()).isEqualTo("DeadlineExceeded");
    }

    @Test
    void podSecurityAdmissionRejectsAPrivilegedPodInARestrictedNamespace() {
        Pod pod = new PodBuilder().withNewMetadata().withName("privileged").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage(SHELL_IMAGE).withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .endContainer().endSpec().build();
        assertThatThrownBy(() -> client.pods().inNamespace(ns).resource(pod).create())
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("violates PodSecurity \"restricted");
    }

    /** kubectl as a user runs it (the test bed's, on PATH through dev/cluster.sh env). */
    static String kubectl(String... args) throws Exception {
        var cmd = new java.util.ArrayList<String>(List.of("kubectl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl %s: %s", String.join(" ", args), out).isZero();
        return out;
    }

    private static long processesWith(String text) throws Exception {
        long n = 0;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) dirs::iterator) {
                Path cmd = p.resolve("cmdline");
                if (p.getFileName().toString().matches("\\d+") && Files.isReadable(cmd)) {
                    try {
                        if (new String(Files.readAllBytes(cmd)).replace('\0', ' ').contains(text)) {
                            n++;
                        }
                    } catch (java.io.IOException gone) {
                        // the process ended while we looked
                    }
                }
            }
        }
        return n;
    }
}
