package dev.fanout.operator.controllers;

import dev.fanout.api.SampleIds;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.ParameterSpace;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The variants of a parameter space: every combination of the fields' values (grid), or a Latin hypercube: n samples,
 * each field's range cut into n equal strata, every stratum used exactly once per field, a uniform point inside it, and
 * the strata paired at random. {@link Random} with the seed makes the samples the same on every reconcile and every JVM
 * (its algorithm is part of its specification). Values keep 6 significant digits, so ids and spec hashes are stable.
 */
final class ParameterSampler {
    static final int MAX_VARIANTS = 10_000;
    private static final MathContext DIGITS = new MathContext(6);

    /** One sample: its id and material -> field -> value. */
    record Sample(String id, Map<String, Map<String, Double>> materials) {
    }

    private ParameterSampler() {
    }

    /** How many samples the space makes (a grid's size may be far above what we would ever generate). */
    static long count(ParameterSpace p) {
        if (p.method == ParameterSpace.Method.latinHypercube) {
            return p.samples == null ? 0 : p.samples;
        }
        long n = 1;
        for (ParameterSpace.Field f : p.fields) {
            n *= f.values != null ? f.values.size() : f.steps == null ? 0 : f.steps;
            if (n > MAX_VARIANTS) {
                return n;
            }
        }
        return n;
    }

    /** How the samples' ids are named. */
    static SampleIds.Method method(ParameterSpace p) {
        return p.method == ParameterSpace.Method.latinHypercube ? SampleIds.Method.lhs : SampleIds.Method.grid;
    }

    static List<Sample> samples(ParameterSpace p) {
        return p.method == ParameterSpace.Method.latinHypercube ? latinHypercube(p) : grid(p);
    }

    private static List<Sample> grid(ParameterSpace p) {
        List<List<Double>> axes = new ArrayList<>();
        for (ParameterSpace.Field f : p.fields) {
            List<Double> values = new ArrayList<>();
            if (f.values != null) {
                f.values.forEach(v -> values.add(round(v)));
            } else {
                for (int i = 0; i < f.steps; i++) {
                    values.add(round(f.min + (f.max - f.min) * i / (f.steps - 1)));
                }
            }
            axes.add(values);
        }
        List<Sample> out = new ArrayList<>();
        int total = (int) count(p);
        for (int n = 0; n < total; n++) {
            double[] point = new double[axes.size()];
            int rest = n;
            for (int j = axes.size() - 1; j >= 0; j--) { // the last field varies fastest
                point[j] = axes.get(j).get(rest % axes.get(j).size());
                rest /= axes.get(j).size();
            }
            out.add(new Sample(SampleIds.id(SampleIds.Method.grid, n + 1), materials(p, point)));
        }
        return out;
    }

    private static List<Sample> latinHypercube(ParameterSpace p) {
        int n = p.samples;
        Random random = new Random(p.seed == null ? 1L : p.seed);
        double[][] points = new double[n][p.fields.size()];
        for (int j = 0; j < p.fields.size(); j++) {
            ParameterSpace.Field f = p.fields.get(j);
            int[] strata = new int[n];
            for (int i = 0; i < n; i++) {
                strata[i] = i;
            }
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int k = random.nextInt(i + 1);
                int t = strata[i];
                strata[i] = strata[k];
                strata[k] = t;
            }
            for (int i = 0; i < n; i++) {
                points[i][j] = round(f.min + (f.max - f.min) * (strata[i] + random.nextDouble()) / n);
            }
        }
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sample(SampleIds.id(SampleIds.Method.lhs, i + 1), materials(p, points[i])));
        }
        return out;
    }

    private static Map<String, Map<String, Double>> materials(ParameterSpace p, double[] point) {
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        for (int j = 0; j < point.length; j++) {
            ParameterSpace.Field f = p.fields.get(j);
            m.computeIfAbsent(f.material, k -> new LinkedHashMap<>()).put(f.field, point[j]);
        }
        return m;
    }

    static double round(double v) {
        return new BigDecimal(v).round(DIGITS).doubleValue();
    }
}
