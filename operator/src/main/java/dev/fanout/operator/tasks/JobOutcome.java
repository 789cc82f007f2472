package dev.fanout.operator.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Comparator;
import java.util.List;

/**
 * What a task Job came to, read from the Job's conditions and its pod's container status: the worker's result JSON (its
 * termination message) on success, the exit code and the worker's one-line error on failure.
 * <p>
 * A task Job has one pod and no retries of its own (backoffLimit 0), so its pod's end decides it: Succeeded means the Job
 * completes, Failed (other than a disruption, which the pod failure policy ignores) means it fails. The outcome is read
 * from the pod as soon as it ends, not a second later when the Job controller (which batches pod events for a second)
 * marks the Job: the slot frees at once, which is most of the gap between short tasks.
 */
public record JobOutcome(State state, Integer exitCode, String message, JsonNode result) {
    public enum State { Running, Succeeded, Failed }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Bad input (exit code 2, the podFailurePolicy's FailJob): retrying cannot help. */
    public boolean permanent() {
        return state == State.Failed && exitCode != null && exitCode == 2;
    }

    public static JobOutcome of(Job job, List<Pod> pods) {
        JobCondition done = job.getStatus() == null || job.getStatus().getConditions() == null ? null
                : job.getStatus().getConditions().stream()
                        .filter(c -> "True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())))
                        .findFirst().orElse(null);
        String doneType = done != null ? done.getType() : podEnded(pods);
        if (doneType == null) {
            return new JobOutcome(State.Running, null, null, null);
        }
        ContainerStateTerminated t = lastTerminated(pods);
        String message = t == null ? null : t.getMessage() == null ? null : t.getMessage().strip();
        if ("Complete".equals(doneType)) {
            JsonNode result = null;
            try {
                result = message == null || message.isEmpty() ? null : JSON.readTree(message);
            } catch (Exception e) {
                // a result we cannot parse is reported as the message, the task still succeeded
            }
            return new JobOutcome(State.Succeeded, 0, result == null ? message : null, result);
        }
        Integer code = t == null ? null : t.getExitCode();
        String why = message != null && !message.isEmpty() ? lastLine(message)
                : done == null ? "pod failed" : done.getMessage() != null ? done.getMessage() : done.getReason();
        if (code == null && done != null && "PodFailurePolicy".equals(done.getReason())) {
            code = 2;
        }
        return new JobOutcome(State.Failed, code, why, null);
    }

    /**
     * "Complete" or "Failed" when the newest pod has ended in a way that decides the Job (with its containers' final
     * states, which the termination message is read from), null while it runs or when a disruption ended it (the Job
     * makes another pod then).
     */
    public static String podEnded(List<Pod> pods) {
        Pod p = pods.stream().max(Comparator.comparing((Pod x) -> x.getMetadata().getCreationTimestamp())).orElse(null);
        if (p == null || p.getStatus() == null || p.getMetadata().getDeletionTimestamp() != null) {
            return null;
        }
        boolean disrupted = p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
        boolean settled = lastTerminated(List.of(p)) != null;
        return switch (String.valueOf(p.getStatus().getPhase())) {
            case "Succeeded" -> settled ? "Complete" : null;
            case "Failed" -> settled && !disrupted ? "Failed" : null;
            default -> null;
        };
    }

    /** The newest pod's failed init container (the later ones never ran), else its terminated main container. */
    private static ContainerStateTerminated lastTerminated(List<Pod> pods) {
        for (Pod p : pods.stream().sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()).reversed()).toList()) {
            if (p.getStatus() == null) {
                continue;
            }
            ContainerStateTerminated init = terminated(p.getStatus().getInitContainerStatuses()).stream()
                    .filter(t -> t.getExitCode() != null && t.getExitCode() != 0).findFirst().orElse(null);
            if (init != null) {
                return init;
            }
            ContainerStateTerminated main = terminated(p.getStatus().getContainerStatuses()).stream().findFirst().orElse(null);
            if (main != null) {
                return main;
            }
        }
        return null;
    }

    private static List<ContainerStateTerminated> terminated(List<ContainerStatus> statuses) {
        return statuses == null ? List.of() : statuses.stream().map(ContainerStatus::getState)
                .filter(s -> s != null && s.getTerminated() != null).map(s -> s.getTerminated()).toList();
    }

    /** The worker prints one line naming the cause; with a stack trace after it (a crash), that first line is the one. */
    static String lastLine(String message) {
        for (String line : message.lines().toList()) {
            if (line.startsWith("fanout-worker:")) {
                return line.length() > 500 ? line.substring(0, 500) : line;
            }
        }
        String last = message.lines().reduce((a, b) -> b).orElse(message);
        return last.length() > 500 ? last.substring(0, 500) : last;
    }
}
