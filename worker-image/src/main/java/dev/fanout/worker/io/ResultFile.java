package dev.fanout.worker.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The result JSON, written to the container's termination message path (default /dev/termination-log). Kubernetes keeps
 * at most 4096 bytes of it, so callers keep lists bounded; a result that still does not fit is cut to its scalar fields.
 */
public final class ResultFile {
    public static final int MAX_BYTES = 4096;
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private ResultFile() {
    }

    public static String toJson(Map<String, Object> result) {
        try {
            String json = JSON.writeValueAsString(result);
            if (json.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
                return json;
            }
            Map<String, Object> scalars = new java.util.LinkedHashMap<>();
            result.forEach((k, v) -> {
                if (!(v instanceof Iterable<?>) && !(v instanceof Map<?, ?>)) {
                    scalars.put(k, v);
                }
            });
            scalars.put("truncated", true);
            return JSON.writeValueAsString(scalars);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void write(Path file, Map<String, Object> result) {
        if (file == null) {
            return;
        }
        String json = toJson(result);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // The result is also printed on stdout; a missing termination-log path must not fail finished work.
            System.err.println("fanout-worker: could not write result to " + file + ": " + e.getMessage());
        }
        System.out.println(json);
    }
}
