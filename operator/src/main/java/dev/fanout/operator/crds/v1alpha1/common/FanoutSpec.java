package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** What every fan-out resource has: parallelism, retries, the worker, and the pod settings of its task Jobs. */
public abstract class FanoutSpec {
    /** The schema's defaults, for an object stored before a field had one (Java initializers mirror the @Default values). */
    public static final FanoutSpec DEFAULTS = new FanoutSpec() {
    };

    @Default("false")
    @JsonPropertyDescription("No new Jobs while true: the running ones finish and are recorded, the rest wait (phase "
            + "Suspended). Set it back to false to resume: kubectl patch <kind> <name> --type merge -p '{\"spec\":{\"suspend\":false}}'.")
    public Boolean suspend = false;

    @JsonPropertyDescription("Run again on a schedule (cron, time zone, concurrency policy, starting deadline), as a CronJob "
            + "does; each run reloads or re-simulates only what changed since the last one.")
    public ScheduleSpec schedule;

    @JsonPropertyDescription("How many task Jobs may run at once.")
    public ParallelismSpec parallelism = new ParallelismSpec();

    @JsonPropertyDescription("Retries of failed tasks.")
    public RetrySpec retry = new RetrySpec();

    @JsonPropertyDescription("The worker image.")
    public WorkerSpec worker = new WorkerSpec();

    // Quantities are checked by the reconciler (TaskJobs.resourceProblems): CEL's isQuantity over these unbounded maps is
    // refused by the API server's rule cost budget.
    @JsonPropertyDescription("Resources of each task pod; the requests size the capacity window (default requests: cpu 500m, memory 768Mi).")
    public ResourceRequirements resources;

    @Min(1)
    @Default("7200")
    @JsonPropertyDescription("Seconds one task attempt may run (default 7200) before Kubernetes ends it (the Job's "
            + "activeDeadlineSeconds): a hung worker, e.g. a source server that never answers, frees its slot and the task is "
            + "retried as a transient failure.")
    public Long taskTimeoutSeconds = 7200L;

    @Min(10)
    @Default("600")
    @JsonPropertyDescription("Seconds without any task changing state, while a task cannot start (unschedulable, a container "
            + "that cannot be created) or none runs for want of a slot, before the Stalled condition turns True (default 600).")
    public Long stalledAfterSeconds = 600L;

    @JsonPropertyDescription("Node selector of task pods (also used when counting free capacity).")
    public Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of task pods (also used when counting free capacity).")
    public List<Toleration> tolerations;

    @JsonPropertyDescription("Priority class of task pods.")
    public String priorityClassName;

    @JsonPropertyDescription("Service account of task pods (default: the namespace's default account).")
    public String serviceAccountName;
}
