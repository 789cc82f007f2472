package dev.fanout.testbed;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of the test-bed node runner, from {@code --key=value} arguments. Allocatable defaults to this machine's cores
 * and memory so the scheduler and Fanout's capacity planner see the real machine.
 */
record RunnerConfig(String nodeName, String cpu, String memory, int pods, Path imagesFile, Path workDir,
        Map<String, String> labels) {

    static RunnerConfig parse(String... args) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --key=value, got '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            opts.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String node = opts.getOrDefault("node-name", "fanout-local");
        String cpu = opts.getOrDefault("cpu", Integer.toString(Runtime.getRuntime().availableProcessors()));
        String memory = opts.getOrDefault("memory", machineMemoryKi() + "Ki");
        int pods = Integer.parseInt(opts.getOrDefault("pods", "110"));
        Path images = Path.of(opts.getOrDefault("images", "dev/node-runner/images.conf"));
        Path work = Path.of(opts.getOrDefault("work-dir", System.getProperty("java.io.tmpdir") + "/fanout-node"));
        Map<String, String> labels = new LinkedHashMap<>();
        String extra = opts.getOrDefault("labels", "");
        for (String kv : extra.split(",")) {
            if (!kv.isBlank()) {
                String[] p = kv.split("=", 2);
                labels.put(p[0].trim(), p.length > 1 ? p[1].trim() : "");
            }
        }
        java.util.Set<String> known = java.util.Set.of("node-name", "cpu", "memory", "pods", "images", "work-dir", "labels");
        for (String k : opts.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k + " (known: " + known + ")");
            }
        }
        Files.createDirectories(work);
        return new RunnerConfig(node, cpu, memory, pods, images, work, labels);
    }

    private static long machineMemoryKi() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() / 1024;
    }

}
