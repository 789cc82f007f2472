package dev.fanout.testbed;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Pod bound to the local node as local processes, like a kubelet with restartPolicy Never/OnFailure: volumes become
 * directories, init containers run one after the other, then all containers together; every step is written to pod status
 * (phase, container states, exit codes, reasons, termination messages) so the real Job controller sees real outcomes.
 */
final class PodRun implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PodRun.class);
    private static final int MAX_MESSAGE_BYTES = 4096;

    private final Pod pod;
    private final String ns;
    private final String name;
    private final Path podDir;
    private final Path workDir;
    private final KubernetesClient client;
    private final ContainerLaunch launcher;
    private final PodStatusWriter writer;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, ContainerStatus> initStatuses = new LinkedHashMap<>();
    private final Map<String, ContainerStatus> statuses = new LinkedHashMap<>();
    private volatile String stopReason; // set when the pod is killed: "Deleted" or "DeadlineExceeded"
    private volatile long graceMillis = 30_000;
    private final String startTime = LocalNode.now();

    PodRun(Pod pod, Path workDir, KubernetesClient client, ContainerLaunch launcher, PodStatusWriter writer) {
        this.pod = pod;
        this.ns = pod.getMetadata().getNamespace();
        this.name = pod.getMetadata().getName();
        this.workDir = workDir;
        this.podDir = workDir.resolve("pods").resolve(ns + "_" + name + "_" + pod.getMetadata().getUid().substring(0, 8));
        this.client = client;
        this.launcher = launcher;
        this.writer = writer;
    }

    String key() {
        return ns + "/" + name;
    }

    /** Stops the pod's processes: SIGTERM, then SIGKILL after the grace period. */
    void stop(String reason, long graceSeconds) {
        stopReason = reason;
        graceMillis = Math.max(0, graceSeconds) * 1000;
        processes.values().forEach(this::terminate);
    }

    @Override
    public void run() {
        try {
            runPod();
        } catch (Exception e) {
            LOG.error("pod {} failed in the runner", key(), e);
            finish("Failed", "RunnerError", "test-bed runner: " + e);
        }
    }

    private void runPod() throws IOException {
        Files.createDirectories(podDir.resolve("tmp"));
        Map<String, Path> volumes = prepareVolumes();
        List<Container> inits = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
        List<Container> containers = pod.getSpec().getContainers();
        for (Container c : inits) {
            initStatuses.put(c.getName(), waiting(c, "PodInitializing", null));
        }
        for (Container c : containers) {
            statuses.put(c.getName(), waiting(c, inits.isEmpty() ? "ContainerCreating" : "PodInitializing", null));
        }
        Long deadline = pod.getSpec().getActiveDeadlineSeconds();
        if (deadline != null) {
            Thread.ofVirtual().start(() -> {
                PodStatusWriter.sleep(deadline * 1000);
                if (stopReason == null) {
                    stop("DeadlineExceeded", 0);
                }
            });
        }
        publish("Pending", null, null);
        for (Container c : inits) {
            int exit = runContainer(c, volumes, initStatuses);
            if (exit != 0 || stopReason != null) {
                for (Container m : containers) {
                    statuses.put(m.getName(), waiting(m, "PodInitializing", null));
                }
                finish("Failed", stopReason, stopMessage());
                return;
            }
        }
        List<Thread> threads = new ArrayList<>();
        for (Container c : containers) {
            threads.add(Thread.ofVirtual().start(() -> runContainer(c, volumes, statuses)));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean allZero = statuses.values().stream()
                .allMatch(s -> s.getState().getTerminated() != null && s.getState().getTerminated().getExitCode() == 0);
        finish(allZero && stopReason == null ? "Succeeded" : "Failed", stopReason, stopMessage());
    }

    private String stopMessage() {
        if ("DeadlineExceeded".equals(stopReason)) {
            return "Pod was active on the node longer than the specified deadline";
        }
        return null;
    }

    /** Runs one container to its end (restarting it under restartPolicy OnFailure); returns its last exit code. */
    private int runContainer(Container c, Map<String, Path> volumes, Map<String, ContainerStatus> into) {
        int restarts = 0;
        while (true) {
            int exit = runOnce(c, volumes, into, restarts);
            boolean onFailure = "OnFailure".equals(pod.getSpec().getRestartPolicy());
            if (exit == 0 || !onFailure || stopReason != null) {
                return exit;
            }
            restarts++;
            PodStatusWriter.sleep(Math.min(300_000L, 10_000L << Math.min(restarts - 1, 5)));
        }
    }

    private int runOnce(Container c, Map<String, Path> volumes, Map<String, ContainerStatus> into, int restarts) {
        if (stopReason != null) {
            return 137;
        }
        Map<String, Path> mounts = new HashMap<>();
        if (c.getVolumeMounts() != null) {
            for (VolumeMount m : c.getVolumeMounts()) {
                Path local = volumes.get(m.getName());
                if (local != null) {
                    mounts.put(m.getMountPath(), m.getSubPath() == null || m.getSubPath().isEmpty() ? local : local.resolve(m.getSubPath()));
                }
            }
        }
        ContainerLaunch.Launch launch;
        try {
            launch = launcher.resolve(pod, c, mounts, podDir);
        } catch (ContainerLaunch.ConfigError e) {
            // A kubelet would keep such a pod waiting; the test bed fails it so that tests end with a clear reason.
            into.put(c.getName(), terminated(c, 128, e.reason, e.getMessage(), LocalNode.now(), restarts));
            publishRunning();
            return 128;
        }
        String started = LocalNode.now();
        Process p;
        try {
            Files.deleteIfExists(launch.terminationMessageFile());
            Files.createDirectories(launch.workingDir());
            ProcessBuilder pb = new ProcessBuilder(launch.argv()).directory(launch.workingDir().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(launch.logFile().toFile()));
            Map<String, String> env = pb.environment();
            Map<String, String> host = new HashMap<>(env);
            env.clear();
            for (String keep : List.of("PATH", "JAVA_HOME", "LANG", "LC_ALL", "HOME", "USER")) {
                if (host.containsKey(keep)) {
                    env.put(keep, host.get(keep));
                }
            }
            env.put("TMPDIR", podDir.resolve("tmp").toString());
            env.putAll(launch.env());
            p = pb.start();
        } catch (IOException e) {
            into.put(c.getName(), terminated(c, 128, "StartError", "failed to start " + launch.argv() + ": " + e.getMessage(),
                    started, restarts));
            publishRunning();
            return 128;
        }
        processes.put(c.getName(), p);
        LOG.info("started {} container {} pid {}: {}", key(), c.getName(), p.pid(), launch.argv());
        into.put(c.getName(), new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                .withImageID("fanout-testbed://" + c.getImage()).withContainerID("local://" + p.pid()).withReady(true)
                .withStarted(true).withRestartCount(restarts)
                .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(started).endRunning().build()).build());
        publishRunning();
        if (stopReason != null) {
            terminate(p); // stopped while starting
        }
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminate(p);
            exit = 137;
        }
        processes.remove(c.getName());
        String message = terminationMessage(c, launch, exit);
        String reason = exit == 0 ? "Completed" : "Error";
        into.put(c.getName(), terminated(c, exit, reason, message, started, restarts));
        LOG.info("container {} of {} exited {}", c.getName(), key(), exit);
        publishRunning();
        return exit;
    }

    private void terminate(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }


    private String terminationMessage(Container c, ContainerLaunch.Launch launch, int exit) {
        String msg = readTail(launch.terminationMessageFile(), MAX_MESSAGE_BYTES);
        if ((msg == null || msg.isEmpty()) && exit != 0 && "FallbackToLogsOnError".equals(c.getTerminationMessagePolicy())) {
            msg = readTail(launch.logFile(), 2048);
        }
        return msg == null || msg.isEmpty() ? null : msg;
    }

    private static String readTail(Path file, int max) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - max);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** Volumes as local directories: emptyDir per pod, ConfigMap/Secret keys as files, PVCs as shared dirs per claim. */
    private Map<String, Path> prepareVolumes() throws IOException {
        Map<String, Path> out = new HashMap<>();
        if (pod.getSpec().getVolumes() == null) {
            return out;
        }
        for (Volume v : pod.getSpec().getVolumes()) {
            Path dir = podDir.resolve("volumes").resolve(v.getName());
            if (v.getEmptyDir() != null) {
                Files.createDirectories(dir);
            } else if (v.getHostPath() != null) {
                dir = Path.of(v.getHostPath().getPath());
            } else if (v.getPersistentVolumeClaim() != null) {
                dir = workDir.resolve("pvc").resolve(ns).resolve(v.getPersistentVolumeClaim().getClaimName());
                Files.createDirectories(dir);
            } else if (v.getConfigMap() != null) {
                Files.createDirectories(dir);
                var cm = client.configMaps().inNamespace(ns).withName(v.getConfigMap().getName()).get();
                Map<String, String> data = cm == null || cm.getData() == null ? Map.of() : cm.getData();
                writeKeys(dir, data, v.getConfigMap().getItems(), false);
            } else if (v.getSecret() != null) {
                Files.createDirectories(dir);
                var s = client.secrets().inNamespace(ns).withName(v.getSecret().getSecretName()).get();
                Map<String, String> data = s == null || s.getData() == null ? Map.of() : s.getData();
                writeKeys(dir, data, v.getSecret().getItems(), true);
            } else {
                // projected service-account tokens, downwardAPI...: present as an empty directory.
                Files.createDirectories(dir);
            }
            out.put(v.getName(), dir);
        }
        return out;
    }

    private static void writeKeys(Path dir, Map<String, String> data, List<KeyToPath> items, boolean base64) throws IOException {
        Map<String, String> paths = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            data.keySet().forEach(k -> paths.put(k, k));
        } else {
            items.forEach(i -> paths.put(i.getKey(), i.getPath()));
        }
        for (var e : paths.entrySet()) {
            String value = data.get(e.getKey());
            if (value == null) {
                continue;
            }
            Path target = dir.resolve(e.getValue()).normalize();
            if (!target.startsWith(dir)) {
                throw new IOException("volume item path escapes the volume: " + e.getValue());
            }
            Files.createDirectories(target.getParent());
            Files.write(target, base64 ? Base64.getDecoder().decode(value) : value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static ContainerStatus waiting(Container c, String reason, String message) {
        return new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("")
                .withReady(false).withStarted(false).withRestartCount(0)
                .withState(new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build())
                .build();
    }

    private static ContainerStatus terminated(Container c, int exit, String reason, String message, String started, int restarts) {
        ContainerState state = new ContainerStateBuilder().withNewTerminated().withExitCode(exit).withReason(reason)
                .withMessage(message).withStartedAt(started).withFinishedAt(LocalNode.now()).endTerminated().build();
        return new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                .withImageID("fanout-testbed://" + c.getImage()).withReady(false).withStarted(false).withRestartCount(restarts)
                .withState(state).build();
    }

    private void publishRunning() {
        boolean mainStarted = statuses.values().stream().anyMatch(s -> s.getState().getWaiting() == null);
        publish(mainStarted ? "Running" : "Pending", null, null);
    }

    private void finish(String phase, String reason, String message) {
        publish(phase, reason, message);
        LOG.info("pod {} {}{}", key(), phase, reason == null ? "" : " (" + reason + ")");
    }

    private synchronized void publish(String phase, String reason, String message) {
        boolean initialized = initStatuses.values().stream()
                .allMatch(s -> s.getState().getTerminated() != null && s.getState().getTerminated().getExitCode() == 0);
        boolean ready = "Running".equals(phase) && statuses.values().stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
        boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
        List<ContainerStatus> inits = List.copyOf(initStatuses.values());
        List<ContainerStatus> mains = List.copyOf(statuses.values());
        writer.update(ns, name, st -> {
            st.setPhase(phase);
            st.setReason(reason);
            st.setMessage(message);
            st.setHostIP("127.0.0.1");
            st.setHostIPs(List.of(new HostIP("127.0.0.1")));
            st.setPodIP("127.0.0.1");
            st.setPodIPs(List.of(new PodIP("127.0.0.1")));
            st.setStartTime(startTime);
            st.setQosClass(st.getQosClass());
            st.setInitContainerStatuses(inits);
            st.setContainerStatuses(mains);
            st.setConditions(conditions(st, initialized, ready, terminal));
        });
    }

    private static List<PodCondition> conditions(PodStatus st, boolean initialized, boolean ready, boolean terminal) {
        Map<String, PodCondition> byType = new LinkedHashMap<>();
        if (st.getConditions() != null) {
            st.getConditions().forEach(c -> byType.put(c.getType(), c));
        }
        set(byType, "PodReadyToStartContainers", !terminal);
        set(byType, "Initialized", initialized);
        set(byType, "ContainersReady", ready);
        set(byType, "Ready", ready);
        return new ArrayList<>(byType.values());
    }

    private static void set(Map<String, PodCondition> byType, String type, boolean value) {
        String status = value ? "True" : "False";
        PodCondition old = byType.get(type);
        if (old != null && status.equals(old.getStatus())) {
            return;
        }
        byType.put(type, new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(LocalNode.now()).build());
    }
}
