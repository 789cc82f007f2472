package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.common.DatabaseSpec;
import dev.fanout.operator.crds.v1alpha1.common.SecretKeys;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.LayerStatus;
import dev.fanout.operator.crds.v1alpha1.spatialload.SourceCacheSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SourceSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadSpec;
import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoadStatus;
import dev.fanout.operator.tasks.TaskJobs;
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

    /** A SpatialLoad with a database and no layers yet. */
    private static SpatialLoad load(String name) {
        SpatialLoad sl = new SpatialLoad();
        sl.getMetadata().setName(name);
        sl.setSpec(new SpatialLoadSpec());
        sl.getSpec().database = new DatabaseSpec();
        sl.getSpec().database.secretRef = new SecretKeys();
        sl.getSpec().database.secretRef.name = "postgis";
        return sl;
    }

    private static LayerStatus measured(String name, Long bytes) {
        LayerStatus s = new LayerStatus();
        s.name = name;
        s.sourceBytes = bytes;
        return s;
    }

    @Test
    void theLargestLayersStartFirstBySizeHintElseContentLengthThenInSpecOrder() {
        SpatialLoad sl = load("world");
        sl.getSpec().layers = List.of(layer("small", null), layer("unknown1", null), layer("hinted", "2Ki"), layer("big", null),
                layer("unknown2", null));
        sl.setStatus(new SpatialLoadStatus());
        sl.getStatus().layers = List.of(measured("small", 100L), measured("big", 1_000_000L), measured("hinted", 5_000_000L));
        assertThat(SpatialLoadPlan.tasks(sl, "worker:1").stream().map(TaskSet.Planned::id))
                .as("the sizeHint wins over a measured length; unknown sizes go last, in spec order")
                .containsExactly("big", "hinted", "small", "unknown1", "unknown2");
    }

    @Test
    void layersSharingASourceReadOneCopyOfItPerRunThroughTheCacheClaim() {
        SpatialLoad sl = load("gadm");
        sl.getMetadata().setUid("0b5e");
        sl.getMetadata().setGeneration(3L);
        LayerSpec adm0 = layer("adm0", null);
        LayerSpec adm1 = layer("adm1", null);
        adm0.source.url = adm1.source.url = "http://h/gadm.gpkg";
        sl.getSpec().layers = List.of(adm0, adm1, layer("tz", null));
        sl.setStatus(new SpatialLoadStatus());
        List<TaskSet.Planned> without = SpatialLoadPlan.tasks(sl, "worker:1");
        assertThat(without).allSatisfy(t -> {
            assertThat(t.args()).doesNotContain("--shared-copy-dir");
            assertThat(t.layout().volumes()).isEmpty();
        });

        sl.getSpec().sourceCache = new SourceCacheSpec();
        sl.getSpec().sourceCache.claimName = "sources";
        LayerStatus rerun = measured("adm1", null);
        rerun.sourceRevision = "run-2";
        sl.getStatus().layers = List.of(measured("adm0", null), rerun);
        List<TaskSet.Planned> with = SpatialLoadPlan.tasks(sl, "worker:1");
        TaskSet.Planned p0 = with.stream().filter(t -> t.id().equals("adm0")).findFirst().orElseThrow();
        TaskSet.Planned p1 = with.stream().filter(t -> t.id().equals("adm1")).findFirst().orElseThrow();
        TaskSet.Planned tz = with.stream().filter(t -> t.id().equals("tz")).findFirst().orElseThrow();
        String key = "0b5e-" + TaskJobs.hash("http://h/gadm.gpkg");
        assertThat(String.join(" ", p0.args())).contains("--shared-copy-dir /var/cache/fanout-sources --shared-copy-key " + key
                + " --shared-copy-tag g3.first");
        assertThat(String.join(" ", p1.args())).as("one copy per load and URL; the tag names the run")
                .contains("--shared-copy-key " + key + " --shared-copy-tag g3.run-2");
        assertThat(p0.layout().volumes()).singleElement().satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("sources"));
        assertThat(p0.layout().mounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/var/cache/fanout-sources"));
        assertThat(tz.args()).as("a source only one layer reads is downloaded by it").doesNotContain("--shared-copy-dir");
        assertThat(tz.layout().volumes()).isEmpty();
        assertThat(with.stream().filter(t -> t.id().equals("adm0")).findFirst().orElseThrow().specHash())
                .as("the cache changes how a source is fetched, not the table: no reload").isEqualTo(
                        without.stream().filter(t -> t.id().equals("adm0")).findFirst().orElseThrow().specHash());
    }

    @Test
    void layersUnderTwoGibAndTheLinkRunAsShortJvmsLargerOrUnknownOnesKeepC2() {
        SpatialLoad sl = load("world");
        LayerSpec child = layer("hinted", "46Mi");
        child.parent = new dev.fanout.operator.crds.v1alpha1.spatialload.ParentLinkSpec();
        child.parent.layer = "big";
        child.parent.column = "gid";
        child.parent.parentColumn = "gid";
        sl.getSpec().layers = List.of(layer("big", "2Gi"), child, layer("measured", null), layer("unknown", null),
                layer("bigSource", null), layer("smallOfBigSource", "10Mi"), layer("hintOnly", "1Mi"), layer("gigabyte", null));
        sl.setStatus(new SpatialLoadStatus());
        sl.getStatus().layers = List.of(measured("big", 3_000_000L), measured("hinted", 50L << 20), measured("measured", 3_000_000L),
                measured("bigSource", 3_000_000_000L), measured("smallOfBigSource", 3_000_000_000L), measured("gigabyte", 1L << 30));
        List<TaskSet.Planned> plan = SpatialLoadPlan.tasks(sl, "worker:1");
        assertThat(plan).filteredOn(t -> List.of("hinted", "measured", "smallOfBigSource", "hintOnly", "gigabyte").contains(t.id()))
                .as("a small hint; a small source; a small layer of a large source, whose download OpenSSL hashes; a hint and no "
                        + "source length; a 1 GiB source")
                .hasSize(5).allSatisfy(t -> assertThat(t.layout().env()).as(t.id()).isEqualTo(TaskJobs.SHORT_JVM));
        assertThat(plan).filteredOn(t -> List.of("big", "unknown", "bigSource").contains(t.id()))
                .as("a 2 GiB layer; no size known; a 3 GB source")
                .hasSize(3).allSatisfy(t -> assertThat(t.layout().env()).as(t.id()).isEmpty());
        assertThat(SpatialLoadPlan.linkTask(sl, plan).layout().env()).as("the link is SQL: seconds of client work")
                .isEqualTo(TaskJobs.SHORT_JVM);
        assertThat(TaskJobs.SHORT_JVM).singleElement().satisfies(e -> assertThat(e.getValue()).contains("-XX:TieredStopAtLevel=1"));
    }

    @Test
    void layersReadingOneCopyOfASourceRunAsShortJvmsWithOrWithoutTheCache() {
        SpatialLoad sl = load("gadm");
        sl.getMetadata().setUid("0b5e");
        sl.getMetadata().setGeneration(1L);
        List<LayerSpec> levels = List.of(layer("adm0", "10Mi"), layer("adm1", "10Mi"), layer("adm2", "10Mi"));
        levels.forEach(l -> l.source.url = "http://h/gadm.gpkg");
        sl.getSpec().layers = levels;
        sl.setStatus(new SpatialLoadStatus());
        sl.getStatus().layers = levels.stream().map(l -> measured(l.name, 1_760_000_000L)).toList();
        assertThat(SpatialLoadPlan.tasks(sl, "worker:1")).as("each downloads the whole 1.76 GB and loads 10 MiB")
                .allSatisfy(t -> assertThat(t.layout().env()).as(t.id()).isEqualTo(TaskJobs.SHORT_JVM));
        sl.getSpec().sourceCache = new SourceCacheSpec();
        sl.getSpec().sourceCache.claimName = "sources";
        assertThat(SpatialLoadPlan.tasks(sl, "worker:1")).as("one of three downloads it")
                .allSatisfy(t -> assertThat(t.layout().env()).as(t.id()).isEqualTo(TaskJobs.SHORT_JVM)
                        .satisfies(env -> assertThat(t.layout().mounts()).isNotEmpty()));
    }
}
