package dev.fanout.operator.web;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import dev.fanout.operator.crds.v1alpha1.common.TaskCounts;
import dev.fanout.operator.crds.v1alpha1.common.TaskStatus;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadStatus;
import dev.fanout.operator.tasks.TaskJobs;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The JSON behind the progress page (index.html): read-only, everything from the Kubernetes API (the resources' status,
 * their Jobs' pods, their Events), so any replica serves it and it survives restarts. Bounded: a resource's task rows
 * come a page at a time, failures and events are capped, and a batch's ledger of finished runs is never sent.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ProgressResource {
    static final int PAGE = 100;
    static final int EVENTS = 20;

    @Inject
    KubernetesClient client;

    /** One resource at a glance. */
    public record Summary(String kind, String namespace, String name, String phase, String progress, TaskCounts tasks,
            Integer slots, Integer slotsUsed, String startTime, String completionTime, String eta, Long elapsedSeconds, String message,
            String stalled) {
    }

    /** A task: where it runs and for how long, or how it ended. */
    public record TaskRow(String id, String phase, Integer attempts, String job, String pod, String node, String podPhase,
            Long seconds, String message, Long rows) {
    }

    public record EventRow(String time, String type, String reason, String message) {
    }

    /** One resource in full: its summary, a page of task rows, the failures, the aggregate's result, recent events. */
    public record Detail(Summary summary, int page, int pages, int taskRows, List<TaskRow> tasks, List<TaskRow> failures,
            Map<String, Object> aggregate, List<EventRow> events) {
    }

    @GET
    @Path("/resources")
    public List<Summary> resources() {
        List<Summary> out = new ArrayList<>();
        client.resources(SpatialLoad.class).inAnyNamespace().list().getItems().forEach(r -> out.add(summary(r)));
        client.resources(EnergySimulationBatch.class).inAnyNamespace().list().getItems().forEach(r -> out.add(summary(r)));
        out.sort(Comparator.comparing(Summary::namespace).thenComparing(Summary::kind).thenComparing(Summary::name));
        return out;
    }

    @GET
    @Path("/resources/{kind}/{namespace}/{name}")
    public Detail resource(@PathParam("kind") String kind, @PathParam("namespace") String ns, @PathParam("name") String name,
            @QueryParam("page") @DefaultValue("0") int page) {
        CustomResource<?, ? extends FanoutStatus> r = switch (kind) {
            case "SpatialLoad" -> client.resources(SpatialLoad.class).inNamespace(ns).withName(name).get();
            case "EnergySimulationBatch" -> client.resources(EnergySimulationBatch.class).inNamespace(ns).withName(name).get();
            default -> null;
        };
        if (r == null) {
            throw new NotFoundException(kind + " " + ns + "/" + name + " not found");
        }
        Map<String, Pod> podByJob = new HashMap<>();
        client.pods().inNamespace(ns).withLabel(TaskJobs.LABEL_OWNER, name).list().getItems().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
                .forEach(p -> podByJob.put(p.getMetadata().getLabels().getOrDefault("job-name", ""), p)); // the newest pod wins
        List<TaskRow> rows = new ArrayList<>();
        List<TaskRow> failures = new ArrayList<>();
        Map<String, Object> aggregate = new HashMap<>();
        if (r.getStatus() instanceof SpatialLoadStatus st) {
            st.layers.forEach(l -> rows.add(row(l.name, l, podByJob, l.rows)));
            st.layers.stream().filter(l -> l.phase == dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Failed)
                    .forEach(l -> failures.add(row(l.name, l, podByJob, null)));
            if (st.aggregate != null) {
                aggregate.put("phase", st.aggregate.phase);
                aggregate.put("message", st.aggregate.message);
                aggregate.put("links", st.aggregate.links);
            }
        } else if (r.getStatus() instanceof EnergySimulationBatchStatus st) {
            st.running.forEach(v -> rows.add(row(v.id, v, podByJob, null)));
            st.failures.forEach(v -> failures.add(row(v.id, v, podByJob, null)));
            if (st.aggregate != null) {
                aggregate.put("phase", st.aggregate.phase);
                aggregate.put("message", st.aggregate.message);
                aggregate.put("view", st.aggregate.view);
                aggregate.put("best", st.aggregate.best);
                aggregate.put("bestSavingsPercent", st.aggregate.bestSavingsPercent);
                aggregate.put("minEui", st.aggregate.minEui);
                aggregate.put("medianEui", st.aggregate.medianEui);
                aggregate.put("maxEui", st.aggregate.maxEui);
            }
        }
        int pages = Math.max(1, (rows.size() + PAGE - 1) / PAGE);
        int p = Math.max(0, Math.min(page, pages - 1));
        List<TaskRow> shown = rows.subList(p * PAGE, Math.min(rows.size(), (p + 1) * PAGE));
        List<EventRow> events = client.v1().events().inNamespace(ns)
                .withField("involvedObject.uid", r.getMetadata().getUid()).list().getItems().stream()
                .sorted(Comparator.comparing(ProgressResource::eventTime).reversed()).limit(EVENTS)
                .map(e -> new EventRow(eventTime(e), e.getType(), e.getReason(), e.getMessage())).toList();
        return new Detail(summary(r), p, pages, rows.size(), List.copyOf(shown), failures, aggregate, events);
    }

    static Summary summary(CustomResource<?, ? extends FanoutStatus> r) {
        FanoutStatus st = r.getStatus();
        String kind = r.getKind();
        if (st == null) {
            return new Summary(kind, r.getMetadata().getNamespace(), r.getMetadata().getName(), "Pending", null, null, null, null, null,
                    null, null, null, "not reconciled yet", null);
        }
        Long elapsed = st.startTime == null ? null : Duration.between(Instant.parse(st.startTime),
                st.completionTime == null ? Instant.now() : Instant.parse(st.completionTime)).toSeconds();
        String stalled = st.conditions.stream().filter(c -> "Stalled".equals(c.getType()) && "True".equals(c.getStatus()))
                .map(c -> c.getReason() + ": " + c.getMessage()).findFirst().orElse(null);
        return new Summary(kind, r.getMetadata().getNamespace(), r.getMetadata().getName(), st.phase == null ? "Pending" : st.phase.name(),
                st.progress, st.tasks, st.slots == null ? null : st.slots.capacity, st.slots == null ? null : st.slots.running, st.startTime,
                st.completionTime, st.estimatedCompletionTime, elapsed, st.message, stalled);
    }

    private static TaskRow row(String id, TaskStatus t, Map<String, Pod> podByJob, Long rows) {
        Pod pod = t.job == null ? null : podByJob.get(t.job);
        Long seconds = t.startTime == null ? null : Duration.between(Instant.parse(t.startTime),
                t.completionTime == null ? Instant.now() : Instant.parse(t.completionTime)).toSeconds();
        return new TaskRow(id, t.phase == null ? null : t.phase.name(), t.attempts, t.job, pod == null ? null : pod.getMetadata().getName(),
                pod == null || pod.getSpec() == null ? null : pod.getSpec().getNodeName(),
                pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase(), seconds, t.message, rows);
    }

    private static String eventTime(Event e) {
        return Stream.of(e.getLastTimestamp(), e.getEventTime() == null ? null : e.getEventTime().getTime(), e.getFirstTimestamp(),
                e.getMetadata().getCreationTimestamp()).filter(x -> x != null).findFirst().orElse("");
    }
}
