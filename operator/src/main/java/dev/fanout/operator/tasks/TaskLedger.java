package dev.fanout.operator.tasks;

import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A compact record of tasks that are not live (succeeded, failed or waiting to retry) for resources with thousands of
 * tasks, whose status cannot list each one. A task is an entry of {@value #WIDTH} characters: 8 characters of a
 * fingerprint of its id and spec hash (48 bits: a collision among 10,000 tasks has odds of about 2e-7), its phase and its
 * attempts. A changed spec changes the fingerprint, so the task is no longer found and runs again, as with full states.
 */
public final class TaskLedger {
    static final int WIDTH = 10;
    private static final String DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

    /** A task state kept only in memory for one pass; {@link #entry} turns it back into a ledger entry. */
    public static final class Entry implements TaskState {
        private TaskPhase phase;
        private int attempts;
        private String specHash;
        private String job;
        private String message;
        private String startTime;
        private String completionTime;

        Entry(TaskPhase phase, int attempts, String specHash) {
            this.phase = phase;
            this.attempts = attempts;
            this.specHash = specHash;
        }

        public Entry() {
            this(TaskPhase.Pending, 0, null);
        }

        @Override public TaskPhase phase() { return phase; }
        @Override public void phase(TaskPhase p) { phase = p; }
        @Override public String job() { return job; }
        @Override public void job(String j) { job = j; }
        @Override public int attempts() { return attempts; }
        @Override public void attempts(int n) { attempts = n; }
        @Override public String specHash() { return specHash; }
        @Override public void specHash(String h) { specHash = h; }
        @Override public String message() { return message; }
        @Override public void message(String m) { message = m; }
        @Override public void startTime(String t) { startTime = t; }
        @Override public void completionTime(String t) { completionTime = t; }
        @Override public void clearResult() { }
        @Override public void result(String json) { }

        @Override
        public String startTime() {
            return startTime;
        }

        public String completionTime() {
            return completionTime;
        }
    }

    private final Map<String, String> entries = new HashMap<>(); // fingerprint -> phase + attempts

    public TaskLedger(String encoded) {
        String s = encoded == null ? "" : encoded;
        for (int i = 0; i + WIDTH <= s.length(); i += WIDTH) {
            entries.put(s.substring(i, i + 8), s.substring(i + 8, i + WIDTH));
        }
    }

    /** The recorded state of a task with this spec, or null when there is none (new, or its spec changed). */
    public Entry find(String id, String specHash) {
        String v = entries.get(fingerprint(id, specHash));
        if (v == null) {
            return null;
        }
        TaskPhase phase = switch (v.charAt(0)) {
            case 'S' -> TaskPhase.Succeeded;
            case 'F' -> TaskPhase.Failed;
            default -> TaskPhase.Retrying;
        };
        return new Entry(phase, DIGITS.indexOf(v.charAt(1)), specHash);
    }

    /** Encodes the given tasks (id, state) that are succeeded, failed or retrying; others are not recorded here. */
    public static String encode(List<Map.Entry<String, TaskState>> tasks) {
        TreeSet<String> out = new TreeSet<>(); // sorted: the same tasks give the same string, so unchanged status is not rewritten
        for (var t : tasks) {
            TaskState s = t.getValue();
            char phase = switch (s.phase()) {
                case Succeeded, Unchanged -> 'S';
                case Failed -> 'F';
                case Retrying -> 'R';
                default -> 0;
            };
            if (phase != 0) {
                out.add(fingerprint(t.getKey(), s.specHash()) + phase + DIGITS.charAt(Math.min(s.attempts(), DIGITS.length() - 1)));
            }
        }
        return out.isEmpty() ? null : String.join("", out);
    }

    static String fingerprint(String id, String specHash) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((id + "\0" + specHash).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
