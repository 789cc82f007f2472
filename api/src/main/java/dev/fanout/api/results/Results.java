package dev.fanout.api.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.WorkerContract;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Result records to and from the JSON of a termination message. Written to fit {@link WorkerContract#MAX_RESULT_BYTES}:
 * a result that does not is cut to its scalar fields and marked {@code "truncated": true}. Read leniently (fields a newer
 * worker adds are ignored), so an operator and a worker image of neighbouring versions still understand each other.
 */
public final class Results {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Results() {
    }

    public static String toJson(Object result) {
        try {
            String json = JSON.writeValueAsString(result);
            if (json.getBytes(StandardCharsets.UTF_8).length <= WorkerContract.MAX_RESULT_BYTES) {
                return json;
            }
            ObjectNode node = JSON.valueToTree(result);
            List<String> containers = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getValue().isContainerNode()) {
                    containers.add(e.getKey());
                }
            }
            node.remove(containers);
            node.put("truncated", true);
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The result, or null when the text is not one of this type (the caller reports the text instead). */
    public static <T> T read(String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
