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

    /** The verdict, why (in words for the status and Events), and what the server sent of the deciding file (or null). */
    public record Result(Verdict verdict, String reason, SourceVersion.FileVersion current) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();

    /** Unchanged only when every file is; the first file found changed or unknown decides otherwise. */
    public Result check(List<SourceVersion.FileVersion> files) {
        if (files == null || files.isEmpty()) {
            return new Result(Verdict.UNKNOWN, "nothing recorded of the last load", null);
        }
        for (SourceVersion.FileVersion f : files) {
            Result r = check(f);
            if (r.verdict() != Verdict.UNCHANGED) {
                return r;
            }
        }
        SourceVersion.FileVersion first = files.get(0);
        return new Result(Verdict.UNCHANGED, "source unchanged (" + (first.etag() != null ? "ETag " + first.etag()
                : "Last-Modified " + first.lastModified()) + (files.size() > 1 ? ", and its " + (files.size() - 1) + " sibling files" : "") + ")",
                null);
    }

    /** What the server says of a file now (a plain HEAD): its validators and length, or null when it cannot be asked. */
    public SourceVersion.FileVersion current(String url) {
        Answer a = head(url, null);
        return a.code() == 200 ? a.now() : null;
    }

    /**
     * One file: what its server says now against what it said at the last load. {@link Result#current} carries the
     * validators the server sent (null when it could not be asked or answered neither 200 nor 304).
     */
    public Result check(SourceVersion.FileVersion f) {
        String url = f.url();
        if (url == null || !url.toLowerCase(Locale.ROOT).matches("^https?://.*")) {
            return new Result(Verdict.UNKNOWN, url + " is not an http(s) URL", null);
        }
        if (!f.hasValidator()) {
            return new Result(Verdict.UNKNOWN, url + ": its server sent neither ETag nor Last-Modified", null);
        }
        Answer a = head(url, f);
        if (a.error() != null) {
            return new Result(Verdict.UNKNOWN, a.error(), null);
        }
        if (a.code() == 304) {
            return new Result(Verdict.UNCHANGED, url + " answered 304 Not Modified", f);
        }
        if (a.code() != 200) {
            return new Result(Verdict.UNKNOWN, "HEAD " + url + " answered " + a.code(), null);
        }
        SourceVersion.FileVersion now = a.now();
        if (f.etag() != null && now.etag() != null) {
            return now.etag().equals(f.etag()) ? new Result(Verdict.UNCHANGED, url + ": same ETag " + f.etag(), now)
                    : new Result(Verdict.CHANGED, url + ": ETag " + f.etag() + " -> " + now.etag(), now);
        }
        if (f.lastModified() != null && now.lastModified() != null) {
            boolean sameLength = now.length() == null || f.length() == null || Objects.equals(now.length(), f.length());
            return now.lastModified().equals(f.lastModified()) && sameLength
                    ? new Result(Verdict.UNCHANGED, url + ": same Last-Modified " + f.lastModified(), now)
                    : new Result(Verdict.CHANGED, url + ": Last-Modified " + f.lastModified() + " -> " + now.lastModified()
                            + (sameLength ? "" : ", length " + f.length() + " -> " + now.length()), now);
        }
        return new Result(Verdict.UNKNOWN, url + ": the server no longer sends the validator recorded", now);
    }

    /** A HEAD answer: the status code and what the server sent of the file, or why there is no answer. */
    private record Answer(int code, SourceVersion.FileVersion now, String error) {
    }

    /** One HEAD request, conditional on {@code recorded}'s validators when given. */
    private Answer head(String url, SourceVersion.FileVersion recorded) {
        HttpRequest.Builder req;
        try {
            req = HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(TIMEOUT);
        } catch (IllegalArgumentException e) {
            return new Answer(0, null, url + " is not a valid URL");
        }
        if (recorded != null && recorded.etag() != null) {
            req.header("If-None-Match", recorded.etag());
        }
        if (recorded != null && recorded.lastModified() != null) {
            req.header("If-Modified-Since", recorded.lastModified());
        }
        try {
            HttpResponse<Void> rsp = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
            return new Answer(rsp.statusCode(), new SourceVersion.FileVersion(url, rsp.headers().firstValue("ETag").orElse(null),
                    rsp.headers().firstValue("Last-Modified").orElse(null),
                    rsp.headers().firstValueAsLong("Content-Length").stream().boxed().findFirst().orElse(null), null), null);
        } catch (IOException | IllegalArgumentException e) {
            return new Answer(0, null, "HEAD " + url + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, null, "HEAD " + url + " interrupted");
        }
    }
}
