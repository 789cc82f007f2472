package dev.fanout.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The operator's own settings, each with its default, settable in application.properties, as FANOUT_* environment
 * variables, or from the Helm chart's values (helm/fanout/values.yaml, `operator:`). What a resource may set for itself
 * (parallelism.max 16, retry.maxAttempts 3, taskTimeoutSeconds 7200) has its default in the CRD schema instead, so the
 * stored object shows it and GitOps tools see no drift.
 */
@ConfigMapping(prefix = "fanout")
public interface FanoutConfig {
    Worker worker();

    Task task();

    Reconcile reconcile();

    Batch batch();

    LeaderElection leaderElection();

    interface Worker {
        /** Image of task and aggregate Jobs, unless a resource sets spec.worker.image. */
        String image();
    }

    interface Task {
        /** CPU request of a task pod unless spec.resources.requests.cpu says otherwise; sizes the capacity window. */
        @WithDefault("500m")
        String defaultCpuRequest();

        /** Memory request of a task pod unless spec.resources.requests.memory says otherwise (the worker's 512 MiB heap and more). */
        @WithDefault("768Mi")
        String defaultMemoryRequest();
    }

    interface Reconcile {
        /**
         * How often a resource with work in flight is looked at when nothing happens; a safety net, since Job, pod and
         * capacity events drive progress.
         */
        @WithDefault("15s")
        Duration requeueWhileRunning();

        /**
         * A running task whose Job is gone (deleted by hand before it ended) runs again once its attempt is this old: well
         * past the informer's lag after a Job is created, so a Job just made is never taken for lost.
         */
        @WithDefault("60s")
        Duration lostJobAfter();
    }

    interface Batch {
        /** Most runs (models x weather x variants) one EnergySimulationBatch may have: bounds its status and the operator's memory. */
        @WithDefault("100000")
        int maxRuns();

        /**
         * A batch of several models or weather files times each one's first run (first, alone), then orders the runs by
         * those times, longest first, and sizes packs by them. false: one mean for the whole batch and the runs in order of
         * model size (for comparison: dev/bench/energy-order.sh).
         */
        @WithDefault("true")
        boolean timeEachModel();
    }

    interface LeaderElection {
        /** Only one replica reconciles (the chart turns it on for its two replicas). */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("fanout-operator-leader")
        String leaseName();

        /** Default: the namespace the operator runs in. */
        Optional<String> leaseNamespace();
    }
}
