package dev.fanout.operator.metrics;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.Phase;
import dev.fanout.operator.crds.v1alpha1.common.TaskPhase;
import dev.fanout.operator.tasks.TaskMetrics;
import io.fabric8.kubernetes.client.CustomResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The operator's Prometheus series (at /q/metrics, beside the Java Operator SDK's own {@code operator_sdk_*}):
 * <ul>
 * <li>state, read at scrape time from the resources' statuses in the operator's cache (so it is right after a restart and
 * forgets deleted resources): {@code fanout_tasks{kind,namespace,state}}, {@code fanout_window_slots} and
 * {@code fanout_window_slots_used}, {@code fanout_resources{phase}}, and per resource {@code fanout_resource_failed} and
 * {@code fanout_resource_since_progress_seconds} for alerts;</li>
 * <li>events, counted as they happen: {@code fanout_task_duration_seconds} (histogram), {@code fanout_task_retries_total}
 * and {@code fanout_task_failures_total} by class, {@code fanout_task_stuck_total}, {@code fanout_reconcile_seconds},
 * {@code fanout_reconcile_errors_total}, {@code fanout_api_writes_total{verb,resource}},
 * {@code fanout_status_conflicts_total{kind}}.</li>
 * </ul>
 * The state series come from the replica that reconciles (the leader); a standby has none.
 */
@ApplicationScoped
public class FanoutMetrics implements TaskMetrics {
    private static final List<String> TASK_STATES = List.of("succeeded", "failed", "running", "waiting");

    @Inject
    MeterRegistry registry;

    FanoutMetrics() {
        // for CDI, which injects the registry
    }

    /** Metrics outside CDI (the in-process reconcile tests). */
    public FanoutMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Per kind, the resources of that kind in the operator's cache. */
    private final Map<String, Supplier<Stream<? extends CustomResource<?, ? extends FanoutStatus>>>> sources = new ConcurrentHashMap<>();
    private final Map<String, Integer> knownShapes = new ConcurrentHashMap<>();
    private MultiGauge tasks;
    private MultiGauge slots;
    private MultiGauge slotsUsed;
    private MultiGauge resources;
    private MultiGauge failed;
    private MultiGauge sinceProgress;

    /** Where the resources of a kind are found; the state series are read from there at each scrape. */
    public synchronized void track(String kind, Supplier<Stream<? extends CustomResource<?, ? extends FanoutStatus>>> cache) {
        sources.put(kind, cache);
        // Rows (label sets) are made here, values at scrape time: new namespaces or resources need a new set of rows.
        List<String> shape = cache.get().map(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()).sorted().toList();
        if (Integer.valueOf(shape.hashCode()).equals(knownShapes.put(kind, shape.hashCode())) && tasks != null) {
            return;
        }
        if (tasks == null) {
            tasks = MultiGauge.builder("fanout.tasks").description("Tasks by state").register(registry);
            slots = MultiGauge.builder("fanout.window.slots").description("Task Jobs the resources may run now (their windows)")
                    .register(registry);
            slotsUsed = MultiGauge.builder("fanout.window.slots.used").description("Task Jobs running in the windows").register(registry);
            resources = MultiGauge.builder("fanout.resources").description("Resources by phase").register(registry);
            failed = MultiGauge.builder("fanout.resource.failed").description("1 when the resource ended Failed").register(registry);
            sinceProgress = MultiGauge.builder("fanout.resource.since.progress").baseUnit("seconds")
                    .description("Seconds since a task of the unfinished resource last changed state (0 when finished)")
                    .register(registry);
        }
        List<MultiGauge.Row<?>> taskRows = new ArrayList<>();
        List<MultiGauge.Row<?>> slotRows = new ArrayList<>();
        List<MultiGauge.Row<?>> usedRows = new ArrayList<>();
        List<MultiGauge.Row<?>> resourceRows = new ArrayList<>();
        List<MultiGauge.Row<?>> failedRows = new ArrayList<>();
        List<MultiGauge.Row<?>> progressRows = new ArrayList<>();
        sources.forEach((k, source) -> {
            for (String ns : source.get().map(r -> r.getMetadata().getNamespace()).distinct().toList()) {
                Tags tags = Tags.of("kind", k, "namespace", ns);
                for (String state : TASK_STATES) {
                    taskRows.add(row(tags.and("state", state), k, ns, st -> st.tasks == null ? 0 : switch (state) {
                        case "succeeded" -> st.tasks.succeeded;
                        case "failed" -> st.tasks.failed;
                        case "running" -> st.tasks.running;
                        default -> st.tasks.waiting;
                    }));
                }
                slotRows.add(row(tags, k, ns, st -> unfinished(st) && st.slots != null && st.slots.capacity != null ? st.slots.capacity : 0));
                usedRows.add(row(tags, k, ns, st -> unfinished(st) && st.slots != null && st.slots.running != null ? st.slots.running : 0));
                for (Phase p : Phase.values()) {
                    resourceRows.add(row(tags.and("phase", p.name()), k, ns, st -> st.phase == p ? 1 : 0));
                }
            }
            source.get().forEach(r -> {
                Tags one = Tags.of("kind", k, "namespace", r.getMetadata().getNamespace(), "name", r.getMetadata().getName());
                failedRows.add(one(one, k, r.getMetadata().getNamespace(), r.getMetadata().getName(), st -> st.phase == Phase.Failed ? 1 : 0));
                progressRows.add(one(one, k, r.getMetadata().getNamespace(), r.getMetadata().getName(), FanoutMetrics::secondsSinceProgress));
            });
        });
        tasks.register(taskRows, true);
        slots.register(slotRows, true);
        slotsUsed.register(usedRows, true);
        resources.register(resourceRows, true);
        failed.register(failedRows, true);
        sinceProgress.register(progressRows, true);
    }

    private MultiGauge.Row<?> row(Tags tags, String kind, String ns, ToDoubleFunction<FanoutStatus> value) {
        return MultiGauge.Row.of(tags, this, m -> m.statuses(kind).filter(r -> ns.equals(r.getMetadata().getNamespace()))
                .mapToDouble(r -> r.getStatus() == null ? 0 : value.applyAsDouble(r.getStatus())).sum());
    }

    private MultiGauge.Row<?> one(Tags tags, String kind, String ns, String name, ToDoubleFunction<FanoutStatus> value) {
        return MultiGauge.Row.of(tags, this, m -> m.statuses(kind).filter(r -> ns.equals(r.getMetadata().getNamespace())
                && name.equals(r.getMetadata().getName())).mapToDouble(r -> r.getStatus() == null ? 0 : value.applyAsDouble(r.getStatus())).sum());
    }

    private Stream<? extends CustomResource<?, ? extends FanoutStatus>> statuses(String kind) {
        var source = sources.get(kind);
        return source == null ? Stream.empty() : source.get();
    }

    private static boolean unfinished(FanoutStatus st) {
        return st.phase == null || !st.phase.finished();
    }

    static double secondsSinceProgress(FanoutStatus st) {
        if (!unfinished(st) || st.lastProgressTime == null) {
            return 0;
        }
        return Math.max(0, Duration.between(Instant.parse(st.lastProgressTime), Instant.now()).toSeconds());
    }

    @Override
    public void ended(String kind, String namespace, TaskPhase outcome, double seconds) {
        Timer.builder("fanout.task.duration").description("Duration of a task's last attempt, by outcome")
                .tags("kind", kind, "namespace", namespace, "outcome", outcome.name().toLowerCase(Locale.ROOT))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(100)).maximumExpectedValue(Duration.ofHours(4))
                .register(registry).record(Duration.ofMillis((long) (seconds * 1000)));
    }

    @Override
    public void attemptFailed(String kind, String namespace, String failureClass, boolean retried) {
        Counter.builder(retried ? "fanout.task.retries" : "fanout.task.failures")
                .description(retried ? "Failed attempts that are retried, by class" : "Tasks failed for good, by class")
                .tags("kind", kind, "namespace", namespace, "class", failureClass).register(registry).increment();
    }

    @Override
    public void stuck(String kind, String namespace, String reason) {
        Counter.builder("fanout.task.stuck").description("Task pods found unable to start, by reason")
                .tags("kind", kind, "namespace", namespace, "reason", reason).register(registry).increment();
    }

    @Override
    public void apiWrite(String verb, String resource) {
        Counter.builder("fanout.api.writes").description("Writes to the API server, by verb and resource")
                .tags("verb", verb, "resource", resource).register(registry).increment();
    }

    /** One reconcile of a resource of {@code kind} took {@code nanos}; {@code error} when it threw. */
    public void reconciled(String kind, long nanos, boolean error) {
        Timer.builder("fanout.reconcile").description("Reconcile passes").tags("kind", kind, "result", error ? "error" : "ok")
                .register(registry).record(Duration.ofNanos(nanos));
        if (error) {
            Counter.builder("fanout.reconcile.errors").description("Reconcile passes that threw").tags("kind", kind).register(registry)
                    .increment();
        }
    }

    /**
     * A pass's status write was refused (409): it worked from a copy older than the resource, and runs again on the fresh
     * one. Another writer (kubectl, a second replica) explains a few; a steady rate means passes start from stale copies.
     */
    public void statusConflict(String kind) {
        Counter.builder("fanout.status.conflicts").description("Status writes refused because the pass read an older copy (409)")
                .tags("kind", kind).register(registry).increment();
    }
}
