package dev.fanout.operator.crds.v1alpha1.spatialload;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * A volume the layer pods all mount, so that layers sharing a source download it once per run: the first of them fetches
 * it, the others wait for that copy and read it.
 */
public class SourceCacheSpec {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("PersistentVolumeClaim in the load's namespace, writable by the worker (uid 10001, fsGroup 10001). "
            + "Pods on several nodes need a ReadWriteMany claim whose filesystem has POSIX locks (e.g. NFSv4, CephFS). It keeps "
            + "one copy per shared source and load: <load uid>-<source hash>/, replaced by the next run's; copies made over a "
            + "week ago that no task holds (e.g. a deleted load's) are removed.")
    public String claimName;
}
