package dev.fanout.worker.io;

import dev.fanout.api.results.Results;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a command's result record (dev.fanout.api.results) as JSON to the container's termination message path, where
 * the operator reads it, and to stdout for a person at a terminal. Results keeps it within what Kubernetes keeps.
 */
public final class ResultFile {
    private ResultFile() {
    }

    public static void write(Path file, Object result) {
        String json = Results.toJson(result);
        if (file != null) {
            try {
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                Files.writeString(file, json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                // The result is also printed on stdout; a missing termination-log path must not fail finished work.
                System.err.println("fanout-worker: could not write result to " + file + ": " + e.getMessage());
            }
        }
        System.out.println(json);
    }
}
