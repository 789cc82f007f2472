package dev.fanout.operator.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Outcomes read from the ended pod before the Job controller marks the Job, and the cases where they must not be. */
class JobOutcomeTest {
    static final Job UNMARKED = new JobBuilder().withNewMetadata().withName("t-1").endMetadata().withNewStatus().endStatus().build();

    static PodBuilder pod(String phase, Integer exitCode, String message) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("t-1-abc").withCreationTimestamp("2026-11-22T09:00:00Z").endMetadata()
                .withNewStatus().withPhase(phase).endStatus();
        if (exitCode != null) {
            b.editStatus().addNewContainerStatus().withName("worker").withNewState().withNewTerminated().withExitCode(exitCode)
                    .withMessage(message).endTerminated().endState().endContainerStatus().endStatus();
        }
        return b;
    }

    @Test
    void aSucceededPodDecidesTheJobWithItsResult() {
        JobOutcome o = JobOutcome.of(UNMARKED, List.of(pod("Succeeded", 0, "{\"rows\": 242}").build()));
        assertThat(o.state()).isEqualTo(JobOutcome.State.Succeeded);
        assertThat(dev.fanout.api.results.Results.read(o.result(), dev.fanout.api.results.LoadResult.class).rows()).isEqualTo(242);
    }

    @Test
    void aFailedPodDecidesTheJobAndExitCodeTwoIsPermanent() {
        JobOutcome bad = JobOutcome.of(UNMARKED, List.of(pod("Failed", 2, "fanout-worker: column 'x' does not exist").build()));
        assertThat(bad.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(bad.permanent()).isTrue();
        assertThat(bad.message()).isEqualTo("fanout-worker: column 'x' does not exist");
        JobOutcome transientFailure = JobOutcome.of(UNMARKED, List.of(pod("Failed", 3, "fanout-worker: database unreachable").build()));
        assertThat(transientFailure.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(transientFailure.permanent()).isFalse();
    }

    @Test
    void podsThatDoNotDecideTheJobLeaveItRunning() {
        // Still running; ended without a final container state yet; being deleted; failed by a disruption (the pod
        // failure policy ignores it and the Job makes another pod); no pod yet.
        Pod running = pod("Running", null, null).build();
        Pod noFinalState = pod("Succeeded", null, null).build();
        Pod deleting = pod("Failed", 137, null).editMetadata().withDeletionTimestamp("2026-11-22T09:00:05Z").endMetadata().build();
        Pod disrupted = pod("Failed", 143, null).editStatus().addNewCondition().withType("DisruptionTarget").withStatus("True")
                .endCondition().endStatus().build();
        for (Pod p : List.of(running, noFinalState, deleting, disrupted)) {
            assertThat(JobOutcome.of(UNMARKED, List.of(p)).state()).as(p.getStatus().toString()).isEqualTo(JobOutcome.State.Running);
        }
        assertThat(JobOutcome.of(UNMARKED, List.of()).state()).isEqualTo(JobOutcome.State.Running);
    }

    @Test
    void podsWhoseContainersAllExitedWithZeroDecideTheJobBeforeTheirPhaseTurns() {
        // The kubelet reports the exited containers a second before it turns the phase; restartPolicy Never, so final.
        Pod exited = pod("Running", 0, "{\"rows\": 64}").editSpec().withRestartPolicy("Never").addNewInitContainer().withName("engine")
                .endInitContainer().addNewContainer().withName("worker").endContainer().endSpec().editStatus().addNewInitContainerStatus()
                .withName("engine").withNewState().withNewTerminated().withExitCode(0).endTerminated().endState().endInitContainerStatus()
                .endStatus().build();
        JobOutcome o = JobOutcome.of(UNMARKED, List.of(exited));
        assertThat(o.state()).isEqualTo(JobOutcome.State.Succeeded);
        assertThat(o.result()).isEqualTo("{\"rows\": 64}");
        // A failure still waits for the phase (a disruption marks the pod first); so does an init container still running.
        Pod failing = new PodBuilder(exited).editStatus().editFirstContainerStatus().editState().editTerminated().withExitCode(3)
                .endTerminated().endState().endContainerStatus().endStatus().build();
        Pod initRunning = new PodBuilder(exited).editStatus().editFirstInitContainerStatus().withNewState().withNewRunning().endRunning()
                .endState().endInitContainerStatus().endStatus().build();
        for (Pod p : List.of(failing, initRunning)) {
            assertThat(JobOutcome.of(UNMARKED, List.of(p)).state()).isEqualTo(JobOutcome.State.Running);
        }
    }

    /**
     * A pack's pod has the engine container beside the worker; the kubelet lists container statuses by name, so the
     * engine's comes first. Its empty message is not the result: the worker's is. A container that failed decides.
     */
    @Test
    void besideAnEngineContainerTheResultIsTheWorkersAndAFailedContainerDecides() {
        Pod pack = new PodBuilder().withNewMetadata().withName("t-1-abc").withCreationTimestamp("2026-11-22T09:00:00Z").endMetadata()
                .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("worker").endContainer().addNewContainer()
                .withName("energyplus").endContainer().endSpec().withNewStatus().withPhase("Running")
                .addNewContainerStatus().withName("energyplus").withNewState().withNewTerminated().withExitCode(0).withMessage("")
                .endTerminated().endState().endContainerStatus()
                .addNewContainerStatus().withName("worker").withNewState().withNewTerminated().withExitCode(0)
                .withMessage("{\"task\": \"b\", \"runs\": 2}").endTerminated().endState().endContainerStatus().endStatus().build();
        JobOutcome o = JobOutcome.of(UNMARKED, List.of(pack));
        assertThat(o.state()).isEqualTo(JobOutcome.State.Succeeded);
        assertThat(o.result()).isEqualTo("{\"task\": \"b\", \"runs\": 2}");

        Pod workerFailed = new PodBuilder(pack).editStatus().withPhase("Failed").editLastContainerStatus().editState().editTerminated()
                .withExitCode(3).withMessage("fanout-worker: transient: the engine container stopped").endTerminated().endState()
                .endContainerStatus().endStatus().build();
        JobOutcome failed = JobOutcome.of(UNMARKED, List.of(workerFailed));
        assertThat(failed.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.message()).contains("the engine container stopped");
        // The engine container killed first (137, no message): the worker's line still says what happened.
        Pod bothFailed = new PodBuilder(workerFailed).editStatus().editFirstContainerStatus().editState().editTerminated()
                .withExitCode(137).withReason("Error").endTerminated().endState().endContainerStatus().endStatus().build();
        JobOutcome killed = JobOutcome.of(UNMARKED, List.of(bothFailed));
        assertThat(killed.exitCode()).isEqualTo(3);
        assertThat(killed.message()).contains("the engine container stopped");
    }

    @Test
    void theNewestPodIsTheOneThatCounts() {
        Pod oldFailed = pod("Failed", 143, null).editStatus().addNewCondition().withType("DisruptionTarget").withStatus("True")
                .endCondition().endStatus().build();
        Pod newer = pod("Succeeded", 0, "{}").editMetadata().withName("t-1-def").withCreationTimestamp("2026-11-22T09:01:00Z")
                .endMetadata().build();
        assertThat(JobOutcome.of(UNMARKED, List.of(oldFailed, newer)).state()).isEqualTo(JobOutcome.State.Succeeded);
    }

    @Test
    void theJobsOwnConditionStillDecidesWhenPresent() {
        Job failed = new JobBuilder(UNMARKED).editStatus().addNewCondition().withType("Failed").withStatus("True")
                .withReason("DeadlineExceeded").withMessage("Job was active longer than specified deadline").endCondition().endStatus().build();
        JobOutcome o = JobOutcome.of(failed, List.of());
        assertThat(o.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(o.cause()).isEqualTo(JobOutcome.Cause.TIMED_OUT);
        assertThat(o.permanent()).as("a timed-out attempt is retried").isFalse();
        assertThat(o.message()).contains("timed out").contains("spec.taskTimeoutSeconds").contains("DeadlineExceeded");
        Job other = new JobBuilder(UNMARKED).editStatus().addNewCondition().withType("Failed").withStatus("True")
                .withReason("BackoffLimitExceeded").withMessage("Job has reached the specified backoff limit").endCondition().endStatus().build();
        assertThat(JobOutcome.of(other, List.of()).message()).isEqualTo("Job has reached the specified backoff limit");
    }

    @Test
    void anOomKilledEngineBehindItsShellIsTheCauseWhateverTheExitCodesSay() {
        // The engine step runs `sh -c 'energyplus ...; echo $? > exit-code'`: the kernel kills energyplus, the shell
        // survives and exits 0, yet the container's reason is OOMKilled; collect then exits 3 (engine killed by a signal).
        Pod p = new PodBuilder(pod("Failed", 3, "fanout-worker: transient: EnergyPlus was killed by signal 9").build())
                .editStatus().addNewInitContainerStatus().withName("prepare").withNewState().withNewTerminated().withExitCode(0)
                .withReason("Completed").endTerminated().endState().endInitContainerStatus()
                .addNewInitContainerStatus().withName("energyplus").withNewState().withNewTerminated().withExitCode(0)
                .withReason("OOMKilled").endTerminated().endState().endInitContainerStatus().endStatus()
                .withNewSpec().addNewInitContainer().withName("energyplus").withNewResources()
                .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi")).endResources().endInitContainer()
                .addNewContainer().withName("worker").endContainer().endSpec().build();
        JobOutcome o = JobOutcome.of(UNMARKED, List.of(p));
        assertThat(o.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(o.cause()).isEqualTo(JobOutcome.Cause.OOM_KILLED);
        assertThat(o.permanent()).isTrue();
        assertThat(o.message()).contains("container energyplus").contains("OOMKilled, limit 256Mi")
                .contains("raise spec.resources.limits.memory");
    }

    @Test
    void anImagePullFailureFailsTheTaskAndAMissingSecretOrNoNodeOnlyReportsIt() {
        Pod pull = pod("Pending", null, null).editStatus().addNewContainerStatus().withName("worker").withImage("fanout/worker:nope")
                .withNewState().withNewWaiting().withReason("ErrImagePull").withMessage("failed to pull: connection refused")
                .endWaiting().endState().endContainerStatus().endStatus().build();
        JobOutcome o = JobOutcome.of(UNMARKED, List.of(pull));
        assertThat(o.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(o.permanent()).isTrue();
        assertThat(o.message()).contains("fanout/worker:nope").contains("ErrImagePull").contains("spec.worker.image");
        assertThat(JobOutcome.over(UNMARKED, List.of(pull))).as("deletable once recorded").isTrue();

        Pod secret = pod("Pending", null, null).editStatus().addNewContainerStatus().withName("worker").withNewState().withNewWaiting()
                .withReason("CreateContainerConfigError").withMessage("secret \"db\" not found").endWaiting().endState()
                .endContainerStatus().endStatus().build();
        JobOutcome waiting = JobOutcome.of(UNMARKED, List.of(secret));
        assertThat(waiting.state()).isEqualTo(JobOutcome.State.Running);
        assertThat(waiting.cause()).isEqualTo(JobOutcome.Cause.STUCK);
        assertThat(waiting.message()).contains("CreateContainerConfigError").contains("secret \"db\" not found");
        assertThat(JobOutcome.over(UNMARKED, List.of(secret))).isFalse();

        Pod nowhere = pod("Pending", null, null).editStatus().addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.")
                .endCondition().endStatus().build();
        JobOutcome unschedulable = JobOutcome.of(UNMARKED, List.of(nowhere));
        assertThat(unschedulable.state()).isEqualTo(JobOutcome.State.Running);
        assertThat(unschedulable.message()).contains("unschedulable").contains("node affinity/selector").contains("spec.nodeSelector");
    }

    @Test
    void eachTaskOfAPackEndsAsItsOwnRunWouldAndAPackWithoutOutcomesIsRetried() {
        String result = dev.fanout.api.results.Results.toJson(new dev.fanout.api.results.PackResult("b", 3,
                List.of(new dev.fanout.api.results.PackResult.FailedRuns("1", 2, "EnergyPlus did not complete"),
                        new dev.fanout.api.results.PackResult.FailedRuns("2", 3, "EnergyPlus was killed by signal 9")), 1.8, "public.r", null));
        // A worker from before failures were grouped reports them one by one: read alike.
        String older = "{\"task\":\"b\",\"runs\":3,\"failed\":[{\"index\":1,\"exitCode\":2,\"message\":\"EnergyPlus did not complete\"},"
                + "{\"index\":2,\"exitCode\":3,\"message\":\"EnergyPlus was killed by signal 9\"}],\"engineSeconds\":1.8}";
        for (String json : List.of(result, older)) {
            eachTaskOfThePackEndsAsItsOwnRunWould(JobOutcome.of(UNMARKED, List.of(pod("Succeeded", 0, json).build())));
        }
    }

    /** Of a pack of three: the first succeeded, the second failed for good (bad input), the third for now (killed). */
    private static void eachTaskOfThePackEndsAsItsOwnRunWould(JobOutcome pack) {
        assertThat(pack.forMembers(3)).containsExactly(pack.forMember(0, 3), pack.forMember(1, 3), pack.forMember(2, 3));
        assertThat(pack.forMember(0, 3).state()).isEqualTo(JobOutcome.State.Succeeded);
        JobOutcome bad = pack.forMember(1, 3);
        assertThat(bad.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(bad.permanent()).isTrue();
        assertThat(bad.message()).isEqualTo("fanout-worker: bad input: EnergyPlus did not complete");
        assertThat(pack.forMember(2, 3).permanent()).isFalse();
        // A result for another number of runs, or none: every task is retried (alone).
        JobOutcome wrong = pack.forMember(0, 4);
        assertThat(wrong.state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(wrong.permanent()).isFalse();
        assertThat(wrong.message()).contains("reported no outcome");
        JobOutcome none = JobOutcome.of(UNMARKED, List.of(pod("Succeeded", 0, "{\"task\":\"b\",\"runs\":3,\"engineSeconds\":1.8}").build()));
        assertThat(none.forMember(0, 3).state()).isEqualTo(JobOutcome.State.Failed);
        assertThat(none.forMember(0, 3).message()).contains("reported no outcome");
    }

    @Test
    void aFailedPackFailsItsTasksForGoodOnlyForACauseTheyAllShare() {
        JobOutcome badModel = JobOutcome.of(UNMARKED, List.of(pod("Failed", 2, "fanout-worker: bad input: not an IDF model").build()));
        assertThat(badModel.forMember(0, 2).permanent()).isTrue();
        JobOutcome oom = JobOutcome.of(UNMARKED, List.of(pod("Failed", 137, null).editStatus().editContainerStatus(0).editState().editTerminated()
                .withReason("OOMKilled").endTerminated().endState().endContainerStatus().endStatus().build()));
        assertThat(oom.permanent()).isTrue(); // a run of its own: the same input would again
        JobOutcome member = oom.forMember(1, 2);
        assertThat(member.permanent()).isFalse(); // in a pack: which run took the memory is unknown, so each runs alone
        assertThat(member.message()).startsWith("its pack of 2 runs failed: container worker was killed for running out of memory")
                .endsWith("it runs alone next");
    }
}
