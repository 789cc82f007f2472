package dev.fanout.operator.tasks;

import dev.fanout.api.ExitCode;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.results.PackResult;
import dev.fanout.api.results.Results;
import dev.fanout.operator.capacity.ClusterCapacity;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.ArrayList;
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
public record JobOutcome(State state, Integer exitCode, String message, String result, Cause cause) {
    public enum State { Running, Succeeded, Failed }

    /** Why a task failed or waits, where it is not the worker's own exit code that tells. */
    public enum Cause {
        /** A container went over its memory limit: the same input would again. */
        OOM_KILLED,
        /** The image cannot be pulled (wrong name or tag, no access): nothing runs until the spec changes. */
        IMAGE_PULL,
        /** Still waiting, for a reason a person must fix (a missing Secret, no node that fits); reported, not failed. */
        STUCK,
        /** The attempt ran past spec.taskTimeoutSeconds (the Job's activeDeadlineSeconds): retried, like a transient failure. */
        TIMED_OUT
    }

    /** Waiting reasons of a container that will not start without the image: the task fails with the reason. */
    private static final java.util.Set<String> IMAGE_PULL_REASONS = java.util.Set.of("ErrImagePull", "ImagePullBackOff",
            "InvalidImageName", "ErrImageNeverPull");
    /** Waiting reasons that wait for something a person must do; the kubelet retries them forever. */
    private static final java.util.Set<String> STUCK_REASONS = java.util.Set.of("CreateContainerConfigError",
            "CreateContainerError", "RunContainerError");

    JobOutcome(State state, Integer exitCode, String message, String result) {
        this(state, exitCode, message, result, null);
    }

    /**
     * Retrying cannot help: bad input (exit code 2, the podFailurePolicy's FailJob), a container killed for going over its
     * memory limit, an image that cannot be pulled.
     */
    public boolean permanent() {
        return state == State.Failed && (exitCode != null && ExitCode.permanent(exitCode) || cause == Cause.OOM_KILLED || cause == Cause.IMAGE_PULL);
    }

    public static JobOutcome of(Job job, List<Pod> pods) {
        JobOutcome decided = decided(job, pods);
        if (decided.state() != State.Failed) {
            return decided;
        }
        // Whatever the exit codes say, a container the kernel killed for memory is the cause (the engine step's shell
        // survives its OOM-killed child and exits 0, so only the container's reason tells).
        String oom = oomKilled(newest(pods));
        return oom == null ? decided : new JobOutcome(State.Failed, decided.exitCode(), oom, null, Cause.OOM_KILLED);
    }

    /**
     * What the pack's outcome means for its task at {@code index} (of {@code size}). The pack succeeded: the task
     * succeeded, or failed as its run of its own would have (its exit code and line in the PackResult; a pack that reports
     * no result for its runs fails them all, to be retried). The pack failed: a cause every task shares (bad input,
     * an image that cannot be pulled) ends each one for good; any other (OOMKilled, timed out, a crash) is retried, alone.
     */
    public JobOutcome forMember(int index, int size) {
        return forMember(packResult(), index, size);
    }

    /** {@link #forMember} for each task of a pack of {@code size}, in order: the pack's result is read once for all. */
    public List<JobOutcome> forMembers(int size) {
        PackResult pack = packResult();
        List<JobOutcome> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(forMember(pack, i, size));
        }
        return out;
    }

    private PackResult packResult() {
        return state == State.Succeeded ? Results.read(result, PackResult.class) : null;
    }

    private JobOutcome forMember(PackResult pack, int index, int size) {
        if (state == State.Running) {
            return this;
        }
        if (state == State.Succeeded) {
            if (pack == null || pack.runs() != size || !pack.outcomesKnown()) {
                return new JobOutcome(State.Failed, null, "its pack of " + size + " runs reported no outcome for them"
                        + (message == null ? "" : " (" + message + ")") + "; it runs alone next", null);
            }
            return pack.failureOf(index)
                    .map(f -> new JobOutcome(State.Failed, f.exitCode(), WorkerContract.errorLine(f.exitCode(), f.message()), null))
                    .orElse(new JobOutcome(State.Succeeded, 0, null, result));
        }
        if (cause == Cause.IMAGE_PULL || cause == null && exitCode != null && ExitCode.permanent(exitCode)) {
            return this;
        }
        return new JobOutcome(State.Failed, exitCode, "its pack of " + size + " runs failed: " + message + "; it runs alone next", null,
                cause == Cause.OOM_KILLED ? null : cause);
    }

    /** Whether a task's message is a stuck pod's reason (made by {@link #waiting}), not a result or a failure. */
    public static boolean isStuckMessage(String message) {
        return message != null && message.startsWith("pod ");
    }

    /** The Job controller marked the Job Complete or Failed. */
    public static boolean finished(Job j) {
        return j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus().getConditions().stream()
                .anyMatch(c -> "True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
    }

    /** Whether the Job's outcome is decided (it can be deleted once recorded): finished, pod ended, or image not pullable. */
    public static boolean over(Job job, List<Pod> pods) {
        return decided(job, pods).state() != State.Running;
    }

    private static JobOutcome decided(Job job, List<Pod> pods) {
        JobCondition done = job.getStatus() == null || job.getStatus().getConditions() == null ? null
                : job.getStatus().getConditions().stream()
                        .filter(c -> "True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())))
                        .findFirst().orElse(null);
        String doneType = done != null ? done.getType() : podEnded(pods);
        if (doneType == null) {
            return waiting(newest(pods));
        }
        ContainerStateTerminated t = lastTerminated(pods);
        String message = t == null ? null : t.getMessage() == null ? null : t.getMessage().strip();
        if ("Complete".equals(doneType)) {
            // The result JSON; anything else (a worker of another version, a user's image) is shown as the message.
            boolean json = message != null && message.startsWith("{");
            return new JobOutcome(State.Succeeded, 0, json || message == null || message.isEmpty() ? null : message, json ? message : null);
        }
        Integer code = t == null ? null : t.getExitCode();
        String why = message != null && !message.isEmpty() ? WorkerContract.errorLineOf(message)
                : done == null ? "pod failed" : done.getMessage() != null ? done.getMessage() : done.getReason();
        if (code == null && done != null && "PodFailurePolicy".equals(done.getReason())) {
            code = ExitCode.BAD_INPUT;
        }
        if (done != null && "DeadlineExceeded".equals(done.getReason())) {
            return new JobOutcome(State.Failed, null, "timed out: the attempt ran longer than spec.taskTimeoutSeconds "
                    + "(DeadlineExceeded); raise it if the task needs longer", null, Cause.TIMED_OUT);
        }
        return new JobOutcome(State.Failed, code, why, null);
    }

    /**
     * "Complete" or "Failed" when the newest pod has ended in a way that decides the Job (with its containers' final
     * states, which the termination message is read from), null while it runs or when a disruption ended it (the Job
     * makes another pod then).
     */
    public static String podEnded(List<Pod> pods) {
        Pod p = newest(pods);
        if (p == null || p.getStatus() == null || p.getMetadata().getDeletionTimestamp() != null) {
            return null;
        }
        boolean disrupted = p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
        boolean settled = lastTerminated(List.of(p)) != null;
        return switch (String.valueOf(p.getStatus().getPhase())) {
            case "Succeeded" -> settled ? "Complete" : null;
            case "Failed" -> settled && !disrupted ? "Failed" : null;
            default -> !disrupted && ClusterCapacity.finishing(p) ? "Complete" : null;
        };
    }

    private static Pod newest(List<Pod> pods) {
        return pods.stream().max(Comparator.comparing((Pod x) -> x.getMetadata().getCreationTimestamp())).orElse(null);
    }

    /**
     * A pod that has not ended: Running, or Failed when its image cannot be pulled, or Running with the reason it is
     * stuck (pending unschedulable, a container that cannot be created) so that the status and an Event say it.
     */
    private static JobOutcome waiting(Pod p) {
        if (p == null || p.getStatus() == null || p.getMetadata().getDeletionTimestamp() != null) {
            return new JobOutcome(State.Running, null, null, null);
        }
        for (ContainerStatus c : statuses(p)) {
            var w = c.getState() == null ? null : c.getState().getWaiting();
            if (w == null || w.getReason() == null) {
                continue;
            }
            String detail = w.getMessage() == null ? "" : ": " + oneLine(w.getMessage());
            if (IMAGE_PULL_REASONS.contains(w.getReason())) {
                return new JobOutcome(State.Failed, null, "container " + c.getName() + " cannot pull image " + c.getImage() + " ("
                        + w.getReason() + detail + "); fix the image name (spec.worker.image, spec.energyplus.image) or make it "
                        + "available to the node", null, Cause.IMAGE_PULL);
            }
            if (STUCK_REASONS.contains(w.getReason())) {
                return new JobOutcome(State.Running, null, "pod " + p.getMetadata().getName() + " cannot start container "
                        + c.getName() + ": " + w.getReason() + detail, null, Cause.STUCK);
            }
        }
        if (p.getStatus().getConditions() != null) {
            for (var c : p.getStatus().getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                    return new JobOutcome(State.Running, null, "pod " + p.getMetadata().getName() + " is unschedulable: "
                            + oneLine(String.valueOf(c.getMessage())) + " (check spec.nodeSelector, spec.tolerations and "
                            + "spec.resources against the nodes)", null, Cause.STUCK);
                }
            }
        }
        return new JobOutcome(State.Running, null, null, null);
    }

    /** The container the kernel killed for going over its memory limit, with the fix, or null. */
    private static String oomKilled(Pod p) {
        if (p == null || p.getStatus() == null) {
            return null;
        }
        for (ContainerStatus c : statuses(p)) {
            var t = c.getState() == null ? null : c.getState().getTerminated();
            if (t != null && "OOMKilled".equals(t.getReason())) {
                String limit = p.getSpec() == null ? null : java.util.stream.Stream.concat(
                                java.util.Optional.ofNullable(p.getSpec().getInitContainers()).orElse(List.of()).stream(),
                                p.getSpec().getContainers().stream())
                        .filter(x -> x.getName().equals(c.getName()) && x.getResources() != null && x.getResources().getLimits() != null)
                        .map(x -> x.getResources().getLimits().get("memory")).filter(java.util.Objects::nonNull)
                        .map(String::valueOf).findFirst().orElse(null);
                return "container " + c.getName() + " was killed for running out of memory (OOMKilled"
                        + (limit == null ? "" : ", limit " + limit) + "): raise spec.resources.limits.memory";
            }
        }
        return null;
    }

    /** Init containers first (they run first), then the main ones. */
    private static List<ContainerStatus> statuses(Pod p) {
        List<ContainerStatus> all = new java.util.ArrayList<>();
        if (p.getStatus().getInitContainerStatuses() != null) {
            all.addAll(p.getStatus().getInitContainerStatuses());
        }
        if (p.getStatus().getContainerStatuses() != null) {
            all.addAll(p.getStatus().getContainerStatuses());
        }
        return all;
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() > 300 ? line.substring(0, 300) : line;
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
            ContainerStateTerminated main = mainTerminated(p.getStatus().getContainerStatuses());
            if (main != null) {
                return main;
            }
        }
        return null;
    }

    /**
     * Of the main containers that ended, the one whose state decides: the worker's when it failed (its line says why,
     * also when the container beside it was killed first), else another that failed, else the worker's (its termination
     * message is the result; a pack's engine container writes none), else any.
     */
    private static ContainerStateTerminated mainTerminated(List<ContainerStatus> statuses) {
        if (statuses == null) {
            return null;
        }
        ContainerStateTerminated worker = null;
        ContainerStateTerminated otherFailed = null;
        ContainerStateTerminated other = null;
        for (ContainerStatus c : statuses) {
            ContainerStateTerminated t = c.getState() == null ? null : c.getState().getTerminated();
            if (t == null) {
                continue;
            }
            boolean failed = t.getExitCode() != null && t.getExitCode() != 0;
            if (TaskJobs.WORKER_CONTAINER.equals(c.getName())) {
                worker = t;
            } else if (failed && otherFailed == null) {
                otherFailed = t;
            } else if (other == null) {
                other = t;
            }
        }
        boolean workerFailed = worker != null && worker.getExitCode() != null && worker.getExitCode() != 0;
        return workerFailed ? worker : otherFailed != null ? otherFailed : worker != null ? worker : other;
    }

    private static List<ContainerStateTerminated> terminated(List<ContainerStatus> statuses) {
        return statuses == null ? List.of() : statuses.stream().map(ContainerStatus::getState)
                .filter(s -> s != null && s.getTerminated() != null).map(s -> s.getTerminated()).toList();
    }
}
