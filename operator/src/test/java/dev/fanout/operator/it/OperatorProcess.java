package dev.fanout.operator.it;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The packaged operator (operator/target/quarkus-app) run as its own process against the test bed, as users run it. */
final class OperatorProcess implements AutoCloseable {
    private final Path log;
    private final java.util.Map<String, String> env = new java.util.HashMap<>();
    private Process process;
    private int port;

    /** Logs go to operator/target/it-logs/NAME.log, kept after the run for diagnosis. */
    OperatorProcess(String name) throws IOException {
        Path dir = Path.of("target", "it-logs");
        Files.createDirectories(dir);
        this.log = dir.resolve(name + ".log").toAbsolutePath();
    }

    /** Runs the operator with another kubeconfig (e.g. a service account's). */
    OperatorProcess withKubeconfig(Path kubeconfig) {
        env.put("KUBECONFIG", kubeconfig.toString());
        return this;
    }

    /** The operator's HTTP address (progress page, metrics, health). */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    OperatorProcess start() throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("fanout.root", "..")).resolve("operator/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the ITs run after `package` (./dev/test.sh)");
        }
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.log.category.\"dev.fanout.operator.capacity\".level=DEBUG", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready").toURL().openConnection();
                if (c.getResponseCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the operator did not get ready in 60 s; see " + log);
    }

    /** SIGKILL: no shutdown hooks, nothing flushed, like a node or container crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(20), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
