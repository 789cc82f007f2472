package dev.fanout.worker.io;

import dev.fanout.worker.WorkerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;

/**
 * Brings a source to local disk: http(s) URLs are streamed to a file with a size limit, retrying transient failures;
 * local paths are used in place. No other schemes.
 */
public final class SourceFetcher {
    private final Path workDir;
    private final long maxBytes;
    private final int attempts;
    private HttpClient http; // made on the first download: local sources do not pay for its threads
    private long bytesDownloaded;

    public SourceFetcher(Path workDir, long maxBytes, int attempts) {
        this.workDir = workDir;
        this.maxBytes = maxBytes;
        this.attempts = attempts;
    }

    public long bytesDownloaded() {
        return bytesDownloaded;
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
                if (http == null) {
                    http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
                }
                HttpResponse<InputStream> rsp = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30)).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                int code = rsp.statusCode();
                if (code == 200) {
                    streamToFile(rsp.body(), target, url);
                    return java.util.Optional.of(target);
                }
                rsp.body().close();
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
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw WorkerException.transientFailure("interrupted while downloading " + url, e);
            }
            if (attempt < attempts) {
                sleep(Math.min(30_000L, 1000L << (attempt - 1)));
            }
        }
        throw WorkerException.transientFailure("download of " + url + " failed after " + attempts + " attempts: " + last.getMessage(), last);
    }

    private void streamToFile(InputStream body, Path target, String url) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long n = 0;
        try (InputStream in = body; OutputStream out = Files.newOutputStream(part)) {
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
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
