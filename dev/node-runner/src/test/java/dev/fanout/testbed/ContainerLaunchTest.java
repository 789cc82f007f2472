package dev.fanout.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerLaunchTest {

    @Test
    void pathRewritingTouchesWholePathComponentsOnly() {
        var r = new ContainerLaunch.PathRewriter(Map.of("/data", Path.of("/tmp/pod/volumes/data"),
                "/data/sub", Path.of("/tmp/other"), "/dev/termination-log", Path.of("/tmp/pod/c.termination-log")));
        assertThat(r.rewrite("/data/x.shp")).isEqualTo("/tmp/pod/volumes/data/x.shp");
        assertThat(r.rewrite("--out=/data")).isEqualTo("--out=/tmp/pod/volumes/data");
        assertThat(r.rewrite("/data/sub/f")).isEqualTo("/tmp/other/f");
        assertThat(r.rewrite("/database/x")).isEqualTo("/database/x");
        assertThat(r.rewrite("/mnt/data/x")).isEqualTo("/mnt/data/x");
        assertThat(r.rewrite("--result=/dev/termination-log")).isEqualTo("--result=/tmp/pod/c.termination-log");
    }

    @Test
    void aReplacementIsNotRewrittenAgainWhenTheLocalDirIsUnderAMountPath() {
        // The test bed's state can live under /tmp (HOME=/tmp/...), while pods mount an emptyDir at /tmp.
        var r = new ContainerLaunch.PathRewriter(Map.of("/tmp", Path.of("/tmp/home/pod/volumes/tmp"),
                "/dev/termination-log", Path.of("/tmp/home/pod/worker.termination-log")));
        assertThat(r.rewrite("/dev/termination-log")).isEqualTo("/tmp/home/pod/worker.termination-log");
        assertThat(r.rewrite("/tmp/work")).isEqualTo("/tmp/home/pod/volumes/tmp/work");
    }

    @Test
    void dollarParenthesisExpansionFollowsKubernetesRules() {
        Map<String, String> env = Map.of("A", "1", "B", "two");
        assertThat(ContainerLaunch.expand("$(A)-$(B)", env)).isEqualTo("1-two");
        assertThat(ContainerLaunch.expand("$(MISSING)", env)).isEqualTo("$(MISSING)");
        assertThat(ContainerLaunch.expand("$$(A)", env)).isEqualTo("$(A)");
    }

    @Test
    void imageGlobsAndVariables() throws Exception {
        Path f = java.nio.file.Files.createTempFile("images", ".conf");
        java.nio.file.Files.writeString(f, "# c\nfanout/worker:* = ${J:-java} -jar ${ROOT}/w.jar\n");
        ImageMap m = ImageMap.load(f, Map.of("ROOT", "/r"));
        assertThat(m.entrypoint("fanout/worker:0.1.0")).hasValue(java.util.List.of("java", "-jar", "/r/w.jar"));
        assertThat(m.entrypoint("fanout/workers:1")).isEmpty();
        assertThat(m.entrypoint("other/fanout/worker:1")).isEmpty();
    }
}
