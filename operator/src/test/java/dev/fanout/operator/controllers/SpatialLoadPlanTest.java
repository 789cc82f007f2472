package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SourceSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadStatus;
import dev.fanout.operator.tasks.TaskSet;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpatialLoadPlanTest {
    private static LayerSpec layer(String name, String sizeHint) {
        LayerSpec l = new LayerSpec();
        l.name = name;
        l.table = name;
        l.source = new SourceSpec();
        l.source.url = "http://h/" + name + ".gpkg";
        l.sizeHint = sizeHint == null ? null : new Quantity(sizeHint);
        return l;
    }

    private static LayerStatus measured(String name, Long bytes) {
        LayerStatus s = new LayerStatus();
        s.name = name;
        s.sourceBytes = bytes;
        return s;
    }

    @Test
    void theLargestLayersStartFirstBySizeHintElseContentLengthThenInSpecOrder() {
        SpatialLoad sl = new SpatialLoad();
        sl.getMetadata().setName("world");
        sl.setSpec(new SpatialLoadSpec());
        sl.getSpec().database = new DatabaseSpec();
        sl.getSpec().database.secretRef = new SecretKeys();
        sl.getSpec().database.secretRef.name = "postgis";
        sl.getSpec().layers = List.of(layer("small", null), layer("unknown1", null), layer("hinted", "2Ki"), layer("big", null),
                layer("unknown2", null));
        sl.setStatus(new SpatialLoadStatus());
        sl.getStatus().layers = List.of(measured("small", 100L), measured("big", 1_000_000L), measured("hinted", 5_000_000L));
        assertThat(SpatialLoadPlan.tasks(sl, "worker:1").stream().map(TaskSet.Planned::id))
                .as("the sizeHint wins over a measured length; unknown sizes go last, in spec order")
                .containsExactly("big", "hinted", "small", "unknown1", "unknown2");
    }
}
