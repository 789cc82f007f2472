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
 * <p>
 * Tasks of a series ({@link TaskSet.Planned#series}) are recorded in blocks of {@value #BLOCK} consecutive members
 * instead: the block's fingerprint (of the series, the block's place and every member's id and spec hash) and its
 * members' phases and attempts, run-length encoded. 100,000 finished runs take about 25 KB rather than 1 MB, because the
 * random bits are per block. A block is found only while none of its members changed; a changed member reruns its block,
 * which costs nothing extra for the tasks series are meant for: sampled variants, which change all together.
 */
public final class TaskLedger {
    static final int WIDTH = 10;
    static final int BLOCK = 64;
    /** A block member with no record (pending or live). */
    private static final String NONE = "-0";
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
    private final Map<String, String> fromBlocks = new HashMap<>(); // task id -> phase + attempts, from the plan's blocks

    public TaskLedger(String encoded) {
        this(encoded, null, List.of());
    }

    /** The ledger's entries and blocks, the blocks read for this plan (a block of it that changed is not found). */
    public TaskLedger(String encoded, String encodedBlocks, List<TaskSet.Planned> plan) {
        String s = encoded == null ? "" : encoded;
        for (int i = 0; i + WIDTH <= s.length(); i += WIDTH) {
            entries.put(s.substring(i, i + 8), s.substring(i + 8, i + WIDTH));
        }
        if (encodedBlocks != null && !encodedBlocks.isEmpty()) {
            Map<String, String> blocks = new HashMap<>(); // block fingerprint -> run-length encoded members
            for (String b : encodedBlocks.split(" ")) {
                int eq = b.indexOf('=');
                if (eq > 0) {
                    blocks.put(b.substring(0, eq), b.substring(eq + 1));
                }
            }
            forEachBlock(plan, (fingerprint, members) -> {
                String rle = blocks.get(fingerprint);
                if (rle != null) {
                    List<String> states = decode(rle);
                    for (int i = 0; i < members.size() && i < states.size(); i++) {
                        if (!states.get(i).equals(NONE)) {
                            fromBlocks.put(members.get(i).id(), states.get(i));
                        }
                    }
                }
            });
        }
    }

    /** The recorded state of a task with this spec, or null when there is none (new, or its spec changed). */
    public Entry find(String id, String specHash) {
        String v = fromBlocks.get(id); // found only in a block whose members' specs are all as recorded
        if (v == null) {
            v = entries.get(fingerprint(id, specHash));
        }
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
            String v = value(t.getValue());
            if (v != null) {
                out.add(fingerprint(t.getKey(), t.getValue().specHash()) + v);
            }
        }
        return out.isEmpty() ? null : String.join("", out);
    }

    /** A plan's record: its tasks one by one ({@code entries}), and its series' tasks in blocks ({@code blocks}). */
    public record Encoded(String entries, String blocks) {
    }

    /** Encodes a plan's tasks with these states: those of a series in blocks, the others one by one. */
    public static Encoded encode(List<TaskSet.Planned> plan, Map<String, TaskState> states) {
        List<Map.Entry<String, TaskState>> alone = new java.util.ArrayList<>();
        for (TaskSet.Planned t : plan) {
            TaskState s = states.get(t.id());
            if (t.series() == null && s != null) {
                alone.add(Map.entry(t.id(), s));
            }
        }
        TreeSet<String> out = new TreeSet<>();
        forEachBlock(plan, (fingerprint, members) -> {
            List<String> values = members.stream().map(t -> states.get(t.id()) == null ? null : value(states.get(t.id())))
                    .map(v -> v == null ? NONE : v).toList();
            if (values.stream().anyMatch(v -> !v.equals(NONE))) {
                out.add(fingerprint + "=" + runLengths(values));
            }
        });
        return new Encoded(encode(alone), out.isEmpty() ? null : String.join(" ", out));
    }

    /** A recorded state's phase and attempts (two characters), or null for a state not recorded here (pending, live). */
    private static String value(TaskState s) {
        char phase = switch (s.phase()) {
            case Succeeded, Unchanged -> 'S';
            case Failed -> 'F';
            case Retrying -> 'R';
            default -> 0;
        };
        return phase == 0 ? null : "" + phase + DIGITS.charAt(Math.min(s.attempts(), DIGITS.length() - 1));
    }

    /** Each series' members in plan order, in blocks of {@value #BLOCK}, with the block's fingerprint. */
    private static void forEachBlock(List<TaskSet.Planned> plan, java.util.function.BiConsumer<String, List<TaskSet.Planned>> action) {
        Map<String, List<TaskSet.Planned>> series = new java.util.LinkedHashMap<>();
        for (TaskSet.Planned t : plan) {
            if (t.series() != null) {
                series.computeIfAbsent(t.series(), k -> new java.util.ArrayList<>()).add(t);
            }
        }
        series.forEach((key, members) -> {
            for (int b = 0; b * BLOCK < members.size(); b++) {
                List<TaskSet.Planned> block = members.subList(b * BLOCK, Math.min(members.size(), (b + 1) * BLOCK));
                StringBuilder text = new StringBuilder(key).append('\0').append(b);
                block.forEach(t -> text.append('\0').append(t.id()).append('\0').append(t.specHash()));
                action.accept(fingerprint(text.toString(), "block"), block);
            }
        });
    }

    /** "S1S1S1F2" as "S1:3,F2," (each value, then how many times in a row in base 36 when more than once). */
    private static String runLengths(List<String> values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.size(); ) {
            int j = i;
            while (j < values.size() && values.get(j).equals(values.get(i))) {
                j++;
            }
            out.append(values.get(i)).append(j - i > 1 ? ":" + Integer.toString(j - i, 36) : "").append(',');
            i = j;
        }
        return out.toString();
    }

    private static List<String> decode(String rle) {
        List<String> out = new java.util.ArrayList<>();
        for (String run : rle.split(",")) {
            if (run.length() == 2 || run.length() > 3 && run.charAt(2) == ':') {
                int n;
                try {
                    n = run.length() == 2 ? 1 : Integer.parseInt(run.substring(3), 36);
                } catch (NumberFormatException e) {
                    return List.of(); // not ours: as if the block were not recorded
                }
                if (n < 1 || out.size() + n > BLOCK) {
                    return List.of();
                }
                out.addAll(java.util.Collections.nCopies(n, run.substring(0, 2)));
            } else {
                return List.of(); // a member out of place would take another's state
            }
        }
        return out;
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
