package dev.fanout.operator.changes;

import dev.fanout.api.results.SourceVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Asks a source's server, cheaply, whether files changed since they were loaded: a HEAD request with the validators
 * recorded then (If-None-Match with the ETag, If-Modified-Since with the Last-Modified). 304, or the same ETag (else the
 * same Last-Modified and length), is Unchanged; other validators are Changed; anything else (no validators recorded, an
 * error, a server that refuses HEAD) is Unknown, and the layer is loaded: the worker then still keeps the table when the
 * bytes prove the same (their SHA-256).
 * <p>
 * The operator sends only these HEAD requests, to the URLs of the resources' specs, with no credentials, a short timeout
 * and at most five redirects; it never reads a body.
 */
@ApplicationScoped
public class SourceCheck {
    public enum Verdict { UNCHANGED, CHANGED, UNKNOWN }

    /** The verdict for all files together, and why, in words for the status and Events. */
    public record Result(Verdict verdict, String reason) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();

    /** Unchanged only when every file is; the first file found changed or unknown decides otherwise. */
    public Result check(List<SourceVersion.FileVersion> files) {
        if (files == null || files.isEmpty()) {
            return new Result(Verdict.UNKNOWN, "nothing recorded of the last load");
        }
        for (SourceVersion.FileVersion f : files) {
            Result r = check(f);
            if (r.verdict() != Verdict.UNCHANGED) {
                return r;
            }
        }
        SourceVersion.FileVersion first = files.get(0);
        return new Result(Verdict.UNCHANGED, "source unchanged (" + (first.etag() != null ? "ETag " + first.etag()
                : "Last-Modified " + first.lastModified()) + (files.size() > 1 ? ", and its " + (files.size() - 1) + " sibling files" : "") + ")");
    }

    /** What the server says of a file now (a plain HEAD): its validators and length, or null when it cannot be asked. */
    public SourceVersion.FileVersion current(String url) {
        try {
            HttpResponse<Void> rsp = http.send(HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.discarding());
            if (rsp.statusCode() != 200) {
                return null;
            }
            return new SourceVersion.FileVersion(url, rsp.headers().firstValue("ETag").orElse(null),
                    rsp.headers().firstValue("Last-Modified").orElse(null),
                    rsp.headers().firstValueAsLong("Content-Length").stream().boxed().findFirst().orElse(null), null);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** One file: what its server says now against what it said at the last load. */
    public Result check(SourceVersion.FileVersion f) {
        String url = f.url();
        if (url == null || !url.toLowerCase(Locale.ROOT).matches("^https?://.*")) {
            return new Result(Verdict.UNKNOWN, url + " is not an http(s) URL");
        }
        if (!f.hasValidator()) {
            return new Result(Verdict.UNKNOWN, url + ": its server sent neither ETag nor Last-Modified");
        }
        HttpRequest.Builder req;
        try {
            req = HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(TIMEOUT);
        } catch (IllegalArgumentException e) {
            return new Result(Verdict.UNKNOWN, url + " is not a valid URL");
        }
        if (f.etag() != null) {
            req.header("If-None-Match", f.etag());
        }
        if (f.lastModified() != null) {
            req.header("If-Modified-Since", f.lastModified());
        }
        HttpResponse<Void> rsp;
        try {
            rsp = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return new Result(Verdict.UNKNOWN, "HEAD " + url + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Verdict.UNKNOWN, "HEAD " + url + " interrupted");
        }
        int code = rsp.statusCode();
        if (code == 304) {
            return new Result(Verdict.UNCHANGED, url + " answered 304 Not Modified");
        }
        if (code != 200) {
            return new Result(Verdict.UNKNOWN, "HEAD " + url + " answered " + code);
        }
        Optional<String> etag = rsp.headers().firstValue("ETag");
        Optional<String> modified = rsp.headers().firstValue("Last-Modified");
        Optional<Long> length = rsp.headers().firstValueAsLong("Content-Length").stream().boxed().findFirst();
        if (f.etag() != null && etag.isPresent()) {
            return etag.get().equals(f.etag()) ? new Result(Verdict.UNCHANGED, url + ": same ETag " + f.etag())
                    : new Result(Verdict.CHANGED, url + ": ETag " + f.etag() + " -> " + etag.get());
        }
        if (f.lastModified() != null && modified.isPresent()) {
            boolean sameLength = length.isEmpty() || f.length() == null || Objects.equals(length.get(), f.length());
            return modified.get().equals(f.lastModified()) && sameLength
                    ? new Result(Verdict.UNCHANGED, url + ": same Last-Modified " + f.lastModified())
                    : new Result(Verdict.CHANGED, url + ": Last-Modified " + f.lastModified() + " -> " + modified.get()
                            + (sameLength ? "" : ", length " + f.length() + " -> " + length.get()));
        }
        return new Result(Verdict.UNKNOWN, url + ": the server no longer sends the validator recorded");
    }
}
