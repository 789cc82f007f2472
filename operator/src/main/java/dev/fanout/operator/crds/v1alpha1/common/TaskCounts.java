package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A resource's tasks by state (the aggregate not counted). */
public class TaskCounts {
    @JsonPropertyDescription("Tasks planned.")
    public int total;

    @JsonPropertyDescription("Tasks that succeeded.")
    public int succeeded;

    @JsonPropertyDescription("Tasks that failed for good.")
    public int failed;

    @JsonPropertyDescription("Tasks whose Job runs now.")
    public int running;

    @JsonPropertyDescription("Tasks not started yet, retries included.")
    public int waiting;

    public TaskCounts() {
    }

    public TaskCounts(int total, int succeeded, int failed, int running, int waiting) {
        this.total = total;
        this.succeeded = succeeded;
        this.failed = failed;
        this.running = running;
        this.waiting = waiting;
    }

    public boolean sameAs(TaskCounts o) {
        return o != null && total == o.total && succeeded == o.succeeded && failed == o.failed && running == o.running && waiting == o.waiting;
    }
}
