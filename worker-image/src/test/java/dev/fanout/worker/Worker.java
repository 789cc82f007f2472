package dev.fanout.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs worker commands in-process and captures what a Job would see: exit code, stderr, the result file. */
public final class Worker {
    /** {@code result}: the result file as JSON when it holds one; {@code terminationMessage}: the file as the kubelet reads it. */
    public record Run(int exitCode, String stderr, JsonNode result, String terminationMessage) {
    }

    private Worker() {
    }

    public static synchronized Run run(Path resultFile, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--result=" + resultFile);
        Files.deleteIfExists(resultFile);
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        int code;
        try {
            code = FanoutWorker.run(all.toArray(String[]::new));
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        String message = Files.exists(resultFile) ? Files.readString(resultFile) : null;
        JsonNode result = message != null && message.startsWith("{") ? new ObjectMapper().readTree(message) : null;
        return new Run(code, err.toString(), result, message);
    }
}
