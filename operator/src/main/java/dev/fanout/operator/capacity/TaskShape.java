package dev.fanout.operator.capacity;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** What one task pod asks of a node: its requests and where it may go. */
public record TaskShape(BigDecimal cpu, BigDecimal memory, Map<String, String> nodeSelector, List<Toleration> tolerations) {

    public static TaskShape of(Map<String, Quantity> requests, Map<String, String> nodeSelector, List<Toleration> tolerations) {
        return new TaskShape(amount(requests, "cpu"), amount(requests, "memory"), nodeSelector == null ? Map.of() : nodeSelector,
                tolerations == null ? List.of() : tolerations);
    }

    static BigDecimal amount(Map<String, Quantity> m, String key) {
        Quantity q = m == null ? null : m.get(key);
        return q == null ? BigDecimal.ZERO : q.getNumericalAmount();
    }
}
