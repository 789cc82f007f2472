package dev.fanout.operator.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskJobsTest {
    @Test
    void quantitiesThatKubernetesWouldRefuseAreNamedWithTheFix() {
        for (String ok : new String[] {"500m", "2", "1Gi", "768Mi", "1e3", "0.5"}) {
            assertThat(TaskJobs.isQuantity(new Quantity(ok))).as(ok).isTrue();
        }
        for (String bad : new String[] {"lots", "1 GB", "2 cores", "Gi"}) {
            assertThat(TaskJobs.isQuantity(new Quantity(bad))).as(bad).isFalse();
        }
        SpatialLoadSpec spec = new SpatialLoadSpec();
        spec.resources = new ResourceRequirementsBuilder().withRequests(Map.of("cpu", new Quantity("lots"), "memory", new Quantity("1Gi")))
                .withLimits(Map.of("memory", new Quantity("1 GB"))).build();
        assertThat(TaskJobs.resourceProblems(spec)).containsExactly(
                "spec.resources.requests.cpu: 'lots' is not a quantity; write e.g. 500m or 2",
                "spec.resources.limits.memory: '1 GB' is not a quantity; write e.g. 768Mi or 1Gi");
        spec.resources = null;
        assertThat(TaskJobs.resourceProblems(spec)).isEmpty();
    }
}
