package dev.fanout.worker.io;

import dev.fanout.worker.WorkerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import dev.fanout.api.results.SourceVersion;

/**
 * Brings a source to local disk: http(s) URLs are streamed to a file with a size limit, retrying transient failures;
 * local paths are used in place. No other schemes.
 * <p>
 * Downloads use {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: every task is a fresh JVM, and the
 * HttpClient costs ~0.5 s per process (its SSL context even for http, its selector thread, a slow exit) against ~0.05 s,
 * which is most of a short task's overhead. Redirects are followed here, as HttpClient's NORMAL policy does: same
 * scheme or up to https, never down from https to http.
 */
public final class SourceFetcher {
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REDIRECTS = 5;
    private static final int CONNECT_TIMEOUT_MS = 20_000;
    /** A stalled transfer (no byte for this long) fails and is retried; a slow but moving one goes on. */
    private static final int READ_TIMEOUT_MS = 120_000;

    private final Path workDir;
    private final long maxBytes;
    private final int attempts;
    private long bytesDownloaded;
    private long bytesAdopted;
    /** Every file fetched, in order, with its server's validators; and the SHA-256 of all their bytes in that order. */
    private final List<SourceVersion.FileVersion> fetched = new ArrayList<>();

    /** What a local file's record says: its hash costs a read of the whole file, so only when the version is wanted. */
    private final boolean hashLocalFiles;

    public SourceFetcher(Path workDir, long maxBytes, int attempts) {
        this(workDir, maxBytes, attempts, true);
    }

    public SourceFetcher(Path workDir, long maxBytes, int attempts, boolean hashLocalFiles) {
        this.workDir = workDir;
        this.maxBytes = maxBytes;
        this.attempts = attempts;
        this.hashLocalFiles = hashLocalFiles;
    }

    /** What this fetcher downloaded over the network. */
    public long bytesDownloaded() {
        return bytesDownloaded;
    }

    /** The source's size: what was downloaded here plus what was {@link #adopt adopted}. */
    public long bytesFetched() {
        return bytesDownloaded + bytesAdopted;
    }

    /** Records files another task fetched (a {@link SharedCopy}) as this source's, without counting them as downloaded here. */
    public void adopt(List<SourceVersion.FileVersion> files) {
        fetched.addAll(files);
        bytesAdopted += files.stream().mapToLong(f -> f.length() == null ? 0 : f.length()).sum();
    }

    /** What was fetched so far: the files, their validators and the SHA-256 of their bytes; for the table and the result. */
    public SourceVersion version(String fingerprint, Long rows) {
        String all = fetched.isEmpty() ? null : SourceVersion.combined(fetched,
                text -> hex(sha256().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        return new SourceVersion(List.copyOf(fetched), all, fingerprint, rows);
    }

    private static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    private static MessageDigest sha256() {
        return Sha256.newDigest();
    }

    public static boolean isUrl(String source) {
        String s = source.toLowerCase(Locale.ROOT);
        return s.startsWith("http://") || s.startsWith("https://");
    }

    /** Rejects anything that is neither an http(s) URL nor a plain path, before any work is done. */
    public static void checkScheme(String source) {
        if (source == null || source.isBlank()) {
            throw WorkerException.badInput("--source is empty");
        }
        if (!isUrl(source) && source.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") && !source.matches("^[A-Za-z]:\\\\.*")) {
            throw WorkerException.badInput("source '" + source + "' has an unsupported scheme: use an http(s):// URL or a local path");
        }
    }

    /** The local file for a source: downloads URLs into the work dir, checks local paths exist. */
    public Path fetch(String source) {
        checkScheme(source);
        if (!isUrl(source)) {
            Path p = Path.of(source);
            if (!Files.isRegularFile(p)) {
                throw WorkerException.badInput("source file " + source + " does not exist");
            }
            if (!hashLocalFiles) {
                return p;
            }
            MessageDigest digest = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(p), digest)) {
                long n = in.transferTo(OutputStream.nullOutputStream());
                fetched.add(new SourceVersion.FileVersion(source, null, null, n, hex(digest.digest())));
            } catch (IOException e) {
                throw WorkerException.badInput("source file " + source + " cannot be read: " + e.getMessage());
            }
            return p;
        }
        return download(source, true).orElseThrow();
    }

    /** Downloads a sibling file (.dbf, .prj ... next to a .shp URL); empty when it does not exist and is optional. */
    public java.util.Optional<Path> download(String url, boolean required) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw WorkerException.badInput("source URL '" + url + "' is malformed: " + e.getMessage());
        }
        String name = Path.of(uri.getPath().isEmpty() ? "/download" : uri.getPath()).getFileName().toString();
        Path target = workDir.resolve(name.isEmpty() ? "download" : name);
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                HttpURLConnection rsp = open(uri, url);
                int code = rsp.getResponseCode();
                if (code == 200) {
                    MessageDigest digest = sha256(); // of this attempt: a failed attempt's bytes must not count
                    long n = streamToFile(rsp.getInputStream(), digest, target, url);
                    fetched.add(new SourceVersion.FileVersion(url, rsp.getHeaderField("ETag"), rsp.getHeaderField("Last-Modified"), n,
                            hex(digest.digest())));
                    return java.util.Optional.of(target);
                }
                rsp.disconnect();
                if ((code == 404 || code == 410) && !required) {
                    return java.util.Optional.empty();
                }
                if (code == 404 || code == 410) {
                    // Maybe not published yet: transient, the operator retries the task later.
                    throw WorkerException.transientFailure("GET " + url + " answered " + code + " Not Found", null);
                }
                if (code >= 400 && code < 500 && code != 408 && code != 429) {
                    throw WorkerException.badInput("GET " + url + " answered " + code + ": check the URL and its access rights");
                }
                last = new IOException("GET " + url + " answered " + code);
            } catch (IOException e) {
                last = e;
            }
            if (attempt < attempts) {
                sleep(Math.min(30_000L, 1000L << (attempt - 1)));
            }
        }
        throw WorkerException.transientFailure("download of " + url + " failed after " + attempts + " attempts: " + last.getMessage(), last);
    }

    /** Connects, following redirects (same scheme or up to https), and returns the final response's connection. */
    private static HttpURLConnection open(URI uri, String url) throws IOException {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpURLConnection c = (HttpURLConnection) current.toURL().openConnection();
            c.setInstanceFollowRedirects(false);
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            int code = c.getResponseCode();
            if (!REDIRECTS.contains(code)) {
                return c;
            }
            String location = c.getHeaderField("Location");
            c.disconnect();
            if (location == null) {
                throw new IOException("GET " + current + " answered " + code + " without a Location");
            }
            URI next;
            try {
                next = current.resolve(new URI(location));
            } catch (URISyntaxException e) {
                throw WorkerException.badInput("GET " + url + " redirects to a malformed location '" + location + "'");
            }
            if (!isUrl(next.toString()) || ("https".equalsIgnoreCase(current.getScheme()) && !"https".equalsIgnoreCase(next.getScheme()))) {
                throw WorkerException.badInput("GET " + url + " redirects to " + next + ": only http(s), never from https down to http");
            }
            current = next;
        }
        throw WorkerException.badInput("GET " + url + " redirects more than " + MAX_REDIRECTS + " times");
    }

    /** Streams a body to the target (through a .part file) and through the digest; returns its length. */
    private long streamToFile(InputStream body, MessageDigest digest, Path target, String url) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long n = 0;
        try (InputStream in = new DigestInputStream(body, digest); OutputStream out = Files.newOutputStream(part)) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                n += r;
                if (n > maxBytes) {
                    throw WorkerException.badInput("download of " + url + " exceeds the size limit of " + maxBytes
                            + " bytes (--max-download-bytes)");
                }
                out.write(buf, 0, r);
            }
        } catch (WorkerException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        bytesDownloaded += n;
        return n;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
