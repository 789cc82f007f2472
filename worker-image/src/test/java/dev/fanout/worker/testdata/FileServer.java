package dev.fanout.worker.testdata;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a directory over http, so tests exercise the worker's real download path: on the test bed's node address
 * ({@code FANOUT_NODE_IP}, the bridge pods reach; dev/cluster.sh env sets it), else on loopback. Any path can be told to
 * answer 404 a number of times first (a file "not yet published") or to redirect.
 */
public final class FileServer implements AutoCloseable {
    private static final String HOST = System.getenv().getOrDefault("FANOUT_NODE_IP", "127.0.0.1");
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
    private final Path root;
    private final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.CountDownLatch> held = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
    private volatile boolean validators = true;

    public FileServer(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(HOST), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            Path file = this.root.resolve(path.substring(1)).normalize();
            String location = redirects.get(path);
            if (location != null) {
                exchange.getResponseHeaders().add("Location", location);
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
                return;
            }
            java.util.concurrent.CountDownLatch hold = held.get(path);
            if (hold != null) {
                try { // a slow source: the request waits (at most two minutes) until release()
                    hold.await(120, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            AtomicInteger fail = failuresLeft.get(path);
            int code = !file.startsWith(this.root) || !Files.isRegularFile(file) ? 404
                    : fail != null && fail.getAndDecrement() > 0 ? 404 : 200;
            if (code != 200) {
                exchange.sendResponseHeaders(code, -1);
                exchange.close();
                return;
            }
            if (validators) { // as static file servers do: a strong ETag of size and mtime, Last-Modified, 304 on a match
                long mtime = Files.getLastModifiedTime(file).toMillis();
                String etag = "\"" + Long.toHexString(Files.size(file)) + "-" + Long.toHexString(mtime) + "\"";
                String modified = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        java.time.Instant.ofEpochMilli(mtime).atZone(java.time.ZoneOffset.UTC));
                exchange.getResponseHeaders().add("ETag", etag);
                exchange.getResponseHeaders().add("Last-Modified", modified);
                String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
                String ifModifiedSince = exchange.getRequestHeaders().getFirst("If-Modified-Since");
                boolean notModified = ifNoneMatch != null ? ifNoneMatch.equals(etag) : ifModifiedSince != null
                        && !java.time.ZonedDateTime.parse(ifModifiedSince, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                                .toInstant().isBefore(java.time.Instant.ofEpochMilli(mtime / 1000 * 1000));
                if (notModified) {
                    exchange.sendResponseHeaders(304, -1);
                    exchange.close();
                    return;
                }
            }
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Content-Length", Long.toString(Files.size(file)));
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
                return;
            }
            gets.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        server.setExecutor(pool); // a held request must not block the others
        server.start();
    }

    public String url(String relativePath) {
        return "http://" + HOST + ":" + server.getAddress().getPort() + "/" + relativePath;
    }

    public void failFirst(String relativePath, int times) {
        failuresLeft.put("/" + relativePath, new AtomicInteger(times));
    }

    /** Makes a path answer 302 with this Location (relative or absolute). */
    public void redirect(String relativePath, String location) {
        redirects.put("/" + relativePath, location);
    }

    /** Makes requests for a path wait until {@link #release()}: the worker downloading it stays busy. */
    public void hold(String relativePath) {
        held.put("/" + relativePath, new java.util.concurrent.CountDownLatch(1));
    }

    /** Lets every held request go on, and later ones through. */
    public void release() {
        held.values().forEach(java.util.concurrent.CountDownLatch::countDown);
        held.clear();
    }

    /** Serves no ETag or Last-Modified (and never 304), as some servers do. */
    public void withoutValidators() {
        validators = false;
    }

    /** Downloads of a path so far (GETs answered with its body; not HEADs or 304s). */
    public int downloads(String relativePath) {
        AtomicInteger n = gets.get("/" + relativePath);
        return n == null ? 0 : n.get();
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        pool.shutdownNow();
    }
}
