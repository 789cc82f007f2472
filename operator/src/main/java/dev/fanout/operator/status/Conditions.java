package dev.fanout.operator.status;

import dev.fanout.operator.crds.v1alpha1.common.FanoutStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Sets standard conditions, keeping lastTransitionTime when a condition's status does not change. */
public final class Conditions {
    private Conditions() {
    }

    public static void set(FanoutStatus status, long generation, String type, String value, String reason, String message, Instant now) {
        Condition old = status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
        String since = old != null && value.equals(old.getStatus()) ? old.getLastTransitionTime()
                : now.truncatedTo(ChronoUnit.SECONDS).toString();
        Condition c = new ConditionBuilder().withType(type).withStatus(value).withReason(reason)
                .withMessage(message == null ? "" : message).withObservedGeneration(generation).withLastTransitionTime(since).build();
        status.conditions.removeIf(x -> type.equals(x.getType()));
        status.conditions.add(c);
        status.conditions.sort(java.util.Comparator.comparing(Condition::getType));
    }
}
