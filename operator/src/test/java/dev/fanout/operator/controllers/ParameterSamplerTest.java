package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ParameterSpace;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParameterSamplerTest {
    static ParameterSpace.Field field(String material, String name, Double min, Double max) {
        ParameterSpace.Field f = new ParameterSpace.Field();
        f.material = material;
        f.field = name;
        f.min = min;
        f.max = max;
        return f;
    }

    static ParameterSpace lhs(int samples, long seed) {
        ParameterSpace p = new ParameterSpace();
        p.method = ParameterSpace.Method.latinHypercube;
        p.samples = samples;
        p.seed = seed;
        p.fields = List.of(field("A", "Thickness", 0.02, 0.2), field("B", "Conductivity", 0.5, 1.5), field("A", "Density", 100.0, 900.0));
        return p;
    }

    @Test
    void latinHypercubeUsesEveryStratumOfEveryFieldOnce() {
        int n = 50;
        List<ParameterSampler.Sample> s = ParameterSampler.samples(lhs(n, 42));
        assertThat(s).hasSize(n);
        assertThat(s.get(0).id()).isEqualTo("lhs-00001");
        assertThat(s.get(n - 1).id()).isEqualTo("lhs-00050");
        double[][] ranges = {{0.02, 0.2}, {0.5, 1.5}, {100, 900}};
        String[][] keys = {{"A", "Thickness"}, {"B", "Conductivity"}, {"A", "Density"}};
        for (int j = 0; j < 3; j++) {
            Set<Integer> strata = new HashSet<>();
            for (ParameterSampler.Sample sample : s) {
                double v = sample.materials().get(keys[j][0]).get(keys[j][1]);
                assertThat(v).isBetween(ranges[j][0], ranges[j][1]);
                strata.add((int) Math.min(n - 1, Math.floor((v - ranges[j][0]) / (ranges[j][1] - ranges[j][0]) * n)));
            }
            assertThat(strata).as("field " + j + " covers every stratum once").hasSize(n);
        }
        // Two fields of one material land in one material entry.
        assertThat(s.get(0).materials().get("A")).containsOnlyKeys("Thickness", "Density");
    }

    @Test
    void theSeedDecidesTheSamples() {
        assertThat(ParameterSampler.samples(lhs(20, 7))).isEqualTo(ParameterSampler.samples(lhs(20, 7)));
        assertThat(ParameterSampler.samples(lhs(20, 7))).isNotEqualTo(ParameterSampler.samples(lhs(20, 8)));
    }

    @Test
    void gridIsEveryCombinationWithTheLastFieldFastest() {
        ParameterSpace p = new ParameterSpace();
        p.method = ParameterSpace.Method.grid;
        ParameterSpace.Field a = field("A", "Thickness", 0.1, 0.3);
        a.steps = 3;
        ParameterSpace.Field b = field("B", "U-Factor", null, null);
        b.values = List.of(1.0, 2.5);
        p.fields = List.of(a, b);
        List<ParameterSampler.Sample> s = ParameterSampler.samples(p);
        assertThat(ParameterSampler.count(p)).isEqualTo(6);
        assertThat(s).extracting(ParameterSampler.Sample::id).containsExactly("grid-00001", "grid-00002", "grid-00003", "grid-00004",
                "grid-00005", "grid-00006");
        assertThat(s).extracting(x -> x.materials().get("A").get("Thickness")).containsExactly(0.1, 0.1, 0.2, 0.2, 0.3, 0.3);
        assertThat(s).extracting(x -> x.materials().get("B").get("U-Factor")).containsExactly(1.0, 2.5, 1.0, 2.5, 1.0, 2.5);
    }

    @Test
    void aHugeGridIsCountedWithoutBeingMade() {
        ParameterSpace p = new ParameterSpace();
        p.method = ParameterSpace.Method.grid;
        ParameterSpace.Field a = field("A", "Thickness", 0.1, 0.3);
        a.steps = 1000;
        ParameterSpace.Field b = field("B", "Conductivity", 0.1, 0.3);
        b.steps = 1000;
        p.fields = List.of(a, b);
        assertThat(ParameterSampler.count(p)).isGreaterThan(ParameterSampler.MAX_VARIANTS);
    }
}
