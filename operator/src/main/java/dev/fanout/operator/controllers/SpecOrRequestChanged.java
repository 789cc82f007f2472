package dev.fanout.operator.controllers;

import dev.fanout.operator.schedule.Runs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a resource wake its reconciler: a new generation (its spec changed), or a request made through an
 * annotation (fanout.dev/rerun-failed, fanout.dev/reload), which changes no generation. The operator's own status writes wake nothing.
 */
public class SpecOrRequestChanged implements OnUpdateFilter<HasMetadata> {
    @Override
    public boolean accept(HasMetadata updated, HasMetadata old) {
        return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
                || !Objects.equals(request(updated, FanoutReconciler.RERUN_FAILED), request(old, FanoutReconciler.RERUN_FAILED))
                || !Objects.equals(request(updated, Runs.RELOAD), request(old, Runs.RELOAD));
    }

    private static String request(HasMetadata r, String key) {
        Map<String, String> a = r.getMetadata().getAnnotations();
        return a == null ? null : a.get(key);
    }
}
