package dev.fanout.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.spatialload.SpatialLoad;
import io.fabric8.crdv2.generator.CRDGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * crds/ (and the Helm chart's crds/) is generated from the Java classes; this test fails when it is stale. Regenerate with dev/update-crds.sh
 * (this test with -Dfanout.updateCrds=true).
 */
class CrdsAreUpToDateTest {
    @SuppressWarnings("unchecked")
    static final Class<? extends io.fabric8.kubernetes.api.model.HasMetadata>[] RESOURCES = new Class[] {SpatialLoad.class, dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch.class};

    @Test
    void crdsDirectoryMatchesTheJavaClasses(@TempDir Path tmp) throws Exception {
        new CRDGenerator().customResourceClasses(RESOURCES).forCRDVersions("v1").inOutputDir(tmp.toFile()).generate();
        Path crds = Path.of(System.getProperty("fanout.root", "..")).resolve("crds");
        boolean update = Boolean.getBoolean("fanout.updateCrds");
        try (var files = Files.list(tmp)) {
            for (Path generated : (Iterable<Path>) files::iterator) {
                String name = generated.getFileName().toString().replace(".yml", ".yaml");
                // crds/ for kubectl and Argo CD, and the Helm chart's copy of them.
                for (Path committed : List.of(crds.resolve(name), crds.resolveSibling("helm/fanout/crds").resolve(name))) {
                    if (update) {
                        Files.createDirectories(committed.getParent());
                        Files.copy(generated, committed, StandardCopyOption.REPLACE_EXISTING);
                    }
                    assertThat(committed).as(committed + " is stale: run dev/update-crds.sh").exists();
                    assertThat(Files.readString(committed)).as(committed + " is stale: run dev/update-crds.sh")
                            .isEqualTo(Files.readString(generated));
                }
            }
        }
    }
}
