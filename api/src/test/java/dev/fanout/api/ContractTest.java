package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.args.LinkArgs;
import dev.fanout.api.args.LoadArgs;
import dev.fanout.api.results.LinkResult;
import dev.fanout.api.results.LoadResult;
import dev.fanout.api.results.Results;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContractTest {
    @Test
    void aVariantRoundTripsAndAMisspeltFieldIsNamedWithTheAllowedOnes() {
        VariantEdit v = new VariantEdit(Map.of("Wall", List.of("M1", "M2")), Map.of("M1", Map.of("Thickness", 0.2)));
        assertThat(VariantEdit.parse(v.toJson())).isEqualTo(v);
        assertThat(v.problems()).isEmpty();
        assertThat(VariantEdit.none().toJson()).isEqualTo("{}");

        List<String> problems = new VariantEdit(Map.of(), Map.of("M1", Map.of("Thiknes", 0.2))).problems();
        assertThat(problems).singleElement().asString().contains("'Thiknes'").contains("allowed: ").contains("thickness")
                .contains("u-factor");
        assertThat(new VariantEdit(Map.of("Wall", List.of()), Map.of()).problems()).singleElement().asString().contains("no layers");
        assertThatThrownBy(() -> VariantEdit.parse("{\"materials\": {\"M1\": {\"Thickness\": \"thick\"}}}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sampleIdsAndTheirRange() {
        assertThat(SampleIds.id(SampleIds.Method.lhs, 7)).isEqualTo("lhs-00007");
        SampleIds.Range r = SampleIds.parseRange(SampleIds.range(SampleIds.Method.grid, 12));
        assertThat(r.contains("grid-00012")).isTrue();
        assertThat(r.contains("grid-00013")).isFalse();
        assertThat(r.contains("lhs-00001")).isFalse();
        assertThat(r.contains("grid-0001")).isFalse();
        assertThat("grid-00012").matches(r.regex().substring(1, r.regex().length() - 1));
        assertThatThrownBy(() -> SampleIds.parseRange("sobol:3")).hasMessageContaining("grid:N or lhs:N");
    }

    @Test
    void aLinkPrintsAsItParses() {
        LinkArgs.Link l = LinkArgs.Link.parse("admin1.adm0_a3=admin0.ADM0_A3:country_fid");
        assertThat(l).isEqualTo(new LinkArgs.Link("admin1", "adm0_a3", "admin0", "ADM0_A3", "country_fid"));
        assertThat(LinkArgs.Link.parse(l.toString())).isEqualTo(l);
        assertThat(LinkArgs.Link.parse("a.b=c.d").fkColumnOrDefault()).isEqualTo("c_fid");
        assertThatThrownBy(() -> LinkArgs.Link.parse("a.b")).hasMessageContaining(LinkArgs.Link.SYNTAX);
    }

    @Test
    void optionalLoadOptionsAreLeftOut() {
        List<String> args = new LoadArgs("http://x/a.zip", null, null, SourceFormat.auto, "public", "t", 4326, null, List.of(), null,
                List.of("k1", "k2"), "a", null, false, null).toArgs();
        assertThat(args).containsExactly("spatial", "load", "--source", "http://x/a.zip", "--schema", "public", "--table", "t",
                "--target-srid", "4326", "--task", "a", "--work-dir", WorkerContract.WORK_DIR, "--result", WorkerContract.RESULT_FILE,
                "--key", "k1", "--key", "k2");
    }

    @Test
    void aResultTooLargeForATerminationMessageKeepsItsScalars() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            keys.add("orphan-key-" + i);
        }
        LinkResult big = new LinkResult("link", List.of(new LinkResult.Link("s.c", "k", "s.p", "k", "p_fid", 1, 400, 0, keys, 1)), 1.5);
        String json = Results.toJson(big);
        assertThat(json.length()).isLessThanOrEqualTo(WorkerContract.MAX_RESULT_BYTES);
        assertThat(json).contains("\"truncated\":true").contains("\"seconds\":1.5");
        assertThat(Results.read(json, LinkResult.class).seconds()).isEqualTo(1.5);

        LoadResult load = new LoadResult("a", "public.t", null, 10, 1, 0, 99, "MultiPolygon", 4326, "EPSG:4326",
                new LoadResult.Seconds(0, 1, 1, 1, 1, 0, 0, 0, 2.5), null, null, null, 99L);
        assertThat(Results.read(Results.toJson(load), LoadResult.class)).isEqualTo(load);
        assertThat(Results.toJson(load)).doesNotContain("dryRun").doesNotContain("droppedForeignKeys");
        // A newer worker's extra field does not stop an older operator from reading the rest.
        assertThat(Results.read("{\"task\":\"a\",\"rows\":3,\"newField\":1}", LoadResult.class).rows()).isEqualTo(3);
        assertThat(Results.read("not json", LoadResult.class)).isNull();
    }

    @Test
    void theErrorLineIsFoundBeforeAStackTrace() {
        String line = WorkerContract.errorLine(ExitCode.BAD_INPUT, "schema 'pg_catalog'\nis reserved");
        assertThat(line).isEqualTo("fanout-worker: bad input: schema 'pg_catalog' is reserved");
        assertThat(WorkerContract.errorLineOf("log line\n" + line + "\n\tat x.y(Z.java:1)\n... 12 more")).isEqualTo(line);
        assertThat(WorkerContract.errorLineOf("something\nelse")).isEqualTo("else");
    }
}
