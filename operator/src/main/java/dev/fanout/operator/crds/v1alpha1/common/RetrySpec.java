package dev.fanout.operator.crds.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Operator-level retries: each attempt is a new Job; bad input (worker exit code 2) is never retried. */
public class RetrySpec {
    @Min(1)
    @Max(20)
    @Default("3")
    @JsonPropertyDescription("Attempts per task, the first included (default 3). Exit code 2 (bad input) fails the task at once.")
    public Integer maxAttempts = 3;
}
