package dev.fanout.operator.capacity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Max-min fair division of task slots between the resources the operator runs: no resource gets more than it wants
 * (its remaining tasks, its user cap); what one does not need goes to the others; ties are broken by key order so the
 * answer is deterministic.
 */
public final class FairShare {
    private FairShare() {
    }

    /** @return slots per key, summing to at most {@code total} */
    public static Map<String, Integer> divide(int total, Map<String, Integer> wants) {
        List<Map.Entry<String, Integer>> byWant = new ArrayList<>(wants.entrySet());
        byWant.sort(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder())));
        Map<String, Integer> out = new LinkedHashMap<>();
        int left = Math.max(0, total);
        int n = byWant.size();
        for (var e : byWant) {
            int fair = left / n;
            int extra = left % n > 0 ? 1 : 0; // the remainder goes one by one to those with the most left to want
            int give = Math.min(e.getValue(), fair + (e.getValue() > fair ? extra : 0));
            out.put(e.getKey(), give);
            left -= give;
            n--;
        }
        return out;
    }
}
