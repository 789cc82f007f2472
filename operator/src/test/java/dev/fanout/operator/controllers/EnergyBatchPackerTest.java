package dev.fanout.operator.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatch;
import dev.fanout.operator.crds.v1alpha1.energysimulationbatch.PackingStatus;
import org.junit.jupiter.api.Test;

/** How many runs go to one Job: measured first, then enough to make the overhead small, never leaving slots idle. */
class EnergyBatchPackerTest {
    static PackingStatus measured(double run, double overhead) {
        PackingStatus p = new PackingStatus();
        EnergyBatchPacker.measured(p, run + overhead, run, 1);
        return p;
    }

    @Test
    void runsGoAloneUntilAJobWasTimed() {
        assertThat(EnergyBatchPacker.size(null, 32, 1000, 0, 4)).isEqualTo(1);
        assertThat(EnergyBatchPacker.size(new PackingStatus(), 32, 1000, 0, 4)).isEqualTo(1);
    }

    @Test
    void packsGrowUntilTheOverheadIsFivePercentAndFiveMinutesOfRunsWithinTheCapAndAnEvenShare() {
        // 6 s runs, 2 s overhead: 7 runs make it under 5 % (6 would be 5.3 %), but a pack holds 300 s of runs: 50.
        assertThat(EnergyBatchPacker.size(measured(6, 2), 500, 1000, 0, 4)).isEqualTo(50);
        assertThat(EnergyBatchPacker.size(measured(6, 2), 32, 1000, 0, 4)).isEqualTo(32);
        // 0.1 s runs, 5 s overhead (a busy control plane): 950 runs for 5 %, more than 300 s of runs; the cap holds it.
        assertThat(EnergyBatchPacker.size(measured(0.1, 5), 500, 100_000, 0, 4)).isEqualTo(500);
        // 20 s runs, 1.5 s overhead: 2 runs for 5 %, and 15 runs make 300 s; a slot's 250 runs are 16 packs of 16.
        assertThat(EnergyBatchPacker.size(measured(20, 1.5), 500, 1000, 0, 4)).isEqualTo(16);
        // 2 s runs whose overhead read 0 (an idle cluster, timestamps of a second): still 300 s of runs, in whole packs
        // of a slot's share: over 10 slots, 450 runs a slot are three packs of 150, 313 runs are two of 157 (not two of
        // 150 and a third wave of 13).
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 4_500, 0, 10)).isEqualTo(150);
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 3_130, 0, 10)).isEqualTo(157);
        // Over 320 slots, a wave waits some 23 s a slot in the Job controller's queue: 218 runs make that 5 %, so a slot's
        // 313 go in one pack, not in two waves.
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 100_000, 0, 320)).isEqualTo(313);
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 200_000, 0, 320)).isEqualTo(313);
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 3_000, 0, 10)).isEqualTo(150);
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 1_000, 0, 10)).isEqualTo(100);
        // 200 s runs, 2 s overhead: 1 % alone, longer than 150 s: alone.
        assertThat(EnergyBatchPacker.size(measured(200, 2), 500, 1000, 0, 4)).isEqualTo(1);
        // 0.6 s runs, 2 s overhead: 64 would be needed; the cap holds it.
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 32, 1000, 0, 4)).isEqualTo(32);
        // 62 waiting over 2 free slots: 31 each, not 32 and 30 left for one slot.
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 32, 62, 0, 2)).isEqualTo(31);
        // One slot still busy with a run: 63 runs left over 2 slots, then the rest.
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 50, 62, 1, 2)).isEqualTo(32);
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 50, 30, 32, 2)).isEqualTo(30);
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 32, 3, 0, 8)).isEqualTo(1);
        // A window of 320 slots and 100,000 runs: the cap.
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 32, 100_000, 0, 320)).isEqualTo(32);
        // Off.
        assertThat(EnergyBatchPacker.size(measured(0.6, 2), 1, 1000, 0, 4)).isEqualTo(1);
        // Runs far longer than the overhead: alone.
        assertThat(EnergyBatchPacker.size(measured(600, 2), 32, 1000, 0, 4)).isEqualTo(1);
    }

    @Test
    void aPacksTimeIsSharedByItsRunsAndTheMeansFollowTheLastJobs() {
        PackingStatus p = measured(0.6, 2.4);
        EnergyBatchPacker.measured(p, 2.4 + 10 * 0.6, 6.0, 10); // a pack of 10 runs with the same overhead
        assertThat(p.runSeconds).isEqualTo(0.6);
        assertThat(p.overheadSeconds).isEqualTo(2.4);
    }

    /**
     * A slot that frees up shares out what the running Jobs still have to do, by their pods' start and the measured times:
     * a Job whose pod has not started (it waits in the Job controller's queue) has all its runs left, however old the Job.
     */
    @Test
    void whatRunningPacksStillHaveToDoIsReckonedFromTheirPodsStartAndTheMeasuredTimes() {
        java.time.Instant now = java.time.Instant.parse("2026-12-03T12:00:00Z");
        java.util.Map<String, dev.fanout.operator.tasks.TaskState> states = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 157; i++) {
            states.put("a" + i, run(dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Running, "pack-a", now.minusSeconds(110)));
        }
        for (int i = 0; i < 10; i++) {
            states.put("b" + i, run(dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Running, "pack-b", now.minusSeconds(1000)));
        }
        states.put("c", run(dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Running, "c-1", now));
        states.put("d", run(dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Succeeded, "d-1", now.minusSeconds(50)));
        for (int i = 0; i < 20; i++) {
            states.put("e" + i, run(dev.fanout.operator.crds.v1alpha1.common.TaskPhase.Running, "pack-e", now.minusSeconds(1000)));
        }
        // pack-a's pod started 100 s ago, pack-b's 1000 s ago, c's just now; pack-e's has not started (its Job is 1000 s old).
        java.util.Map<String, java.time.Instant> pods = java.util.Map.of("pack-a", now.minusSeconds(100), "pack-b", now.minusSeconds(1000),
                "c-1", now);
        EnergyBatchPacker packer = new EnergyBatchPacker(null, java.util.List.of(), states, "worker", false, pods::get);
        // 2 s runs: pack-a ran 50 runs of its 157, pack-b is about to end, c has not begun, pack-e has all 20 left, d is
        // done. The Jobs' overhead (10 s, timed from their creation) is not taken off the pods' time.
        assertThat(packer.runsLeft(measured(2, 10), now)).isEqualTo(107 + 0 + 1 + 20);
        // So 300 waiting over 4 slots, with those running: 107 each, not (300 + 188) / 4 = 122.
        assertThat(EnergyBatchPacker.size(measured(2, 0), 500, 300, packer.runsLeft(measured(2, 10), now), 4)).isEqualTo(107);
    }

    /**
     * A wave of 313 Jobs made in one pass gets its pods over 313 / 7 s, in the order the Jobs were made: the first holds
     * more runs than the even share and the last fewer, by the seconds between their starts, and the wave still holds
     * every run once.
     */
    @Test
    void theJobsOfOneWaveHoldMoreRunsTheEarlierTheirPodsStart() {
        EnergySimulationBatch esb = EnergyBatchPlanTest.batch();
        esb.getSpec().packing.maxRunsPerJob = 500;
        esb.setStatus(new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus());
        esb.getStatus().packing = measured(2, 0);
        EnergyBatchPacker packer = new EnergyBatchPacker(esb, java.util.List.of(), new java.util.HashMap<>(), "worker", false, job -> null);
        assertThat(packer.size("office/golden", 10_000, 0, 320)).isEqualTo(32); // the even share
        int total = 0;
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        for (int place = 0; place < 320 && total < 10_000; place++) {
            int n = Math.min(10_000 - total, packer.size("office/golden", 10_000, 0, 320, place, 320));
            sizes.add(n);
            total += n;
        }
        // Sized for 313 Jobs (10,000 / 32): the first starts 22 s before the mean, 11 runs of 2 s more; the last ones as
        // much after, with fewer; the rounding fits the runs in 312.
        assertThat(sizes.get(0)).isEqualTo(43);
        assertThat(sizes.get(156)).isEqualTo(32);
        assertThat(sizes.get(sizes.size() - 2)).isBetween(21, 22);
        assertThat(sizes).hasSize(312).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(total).isEqualTo(10_000);
        // A pass that starts one Job, or a window of two, shifts nothing.
        assertThat(packer.size("office/golden", 10_000, 0, 320, 0, 1)).isEqualTo(32);
        assertThat(packer.size("office/golden", 60, 0, 2, 0, 2)).isEqualTo(packer.size("office/golden", 60, 0, 2));
    }

    /**
     * Runs of two lengths: a pack holds an even share of the seconds left per slot, in runs of its own length. Counted in
     * runs (25 each over 2 slots), a pack of the 6 s runs would take 150 s while one of the 1.5 s runs takes 37.5 s.
     */
    @Test
    void packsOfRunsOfDifferentLengthsShareTheSecondsLeftNotTheRuns() {
        EnergySimulationBatch esb = EnergyBatchPlanTest.batch();
        esb.getSpec().packing.maxRunsPerJob = 100;
        esb.setStatus(new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus());
        PackingStatus p = measured(3, 0);
        EnergyBatchPacker.measured(p, "long.golden.v0", 6.0);
        EnergyBatchPacker.measured(p, "short.golden.v0", 1.5);
        esb.getStatus().packing = p;
        java.util.Map<String, dev.fanout.operator.tasks.TaskState> states = new java.util.LinkedHashMap<>();
        for (int i = 1; i <= 10; i++) {
            states.put("long.golden.v" + i, new dev.fanout.operator.tasks.TaskLedger.Entry());
        }
        for (int i = 1; i <= 40; i++) {
            states.put("short.golden.v" + i, new dev.fanout.operator.tasks.TaskLedger.Entry());
        }
        EnergyBatchPacker packer = new EnergyBatchPacker(esb, java.util.List.of(), states, "worker");
        // 10 x 6 s + 40 x 1.5 s = 120 s over 2 slots: 60 s each.
        assertThat(packer.size("long/golden", 50, 0, 2)).isEqualTo(10);
        assertThat(packer.size("short/golden", 50, 0, 2)).isEqualTo(40);
        // A model and weather not timed yet counts at the batch's mean (3 s): 20 s a slot more.
        states.put("other.golden.v1", new dev.fanout.operator.tasks.TaskLedger.Entry());
        assertThat(new EnergyBatchPacker(esb, java.util.List.of(), states, "worker").size("other/golden", 51, 0, 2)).isEqualTo(21);
    }

    /** Design-day runs are short whatever the model: packed from the first Job on, an even share each; annual runs are timed alone first. */
    @Test
    void designDayRunsArePackedFromTheFirstJobAnnualRunsAreTimedFirst() {
        EnergySimulationBatch esb = EnergyBatchPlanTest.batch();
        esb.setStatus(new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergySimulationBatchStatus());
        esb.getSpec().energyplus = new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.EnergyPlusSpec();
        esb.getSpec().energyplus.mode = dev.fanout.api.SimulationMode.designDay;
        java.util.Map<String, dev.fanout.operator.tasks.TaskState> states = new java.util.LinkedHashMap<>();
        EnergyBatchPacker packer = new EnergyBatchPacker(esb, java.util.List.of(), states, "worker", false, job -> null);
        assertThat(packer.size("office/golden", 64, 0, 2)).isEqualTo(32);
        assertThat(packer.size("office/golden", 1000, 0, 4)).isEqualTo(32); // the cap
        assertThat(packer.jobsWhileUnmeasured()).isEqualTo(Integer.MAX_VALUE);
        esb.getSpec().energyplus.mode = dev.fanout.api.SimulationMode.annual;
        EnergyBatchPacker annual = new EnergyBatchPacker(esb, java.util.List.of(), states, "worker", false, job -> null);
        assertThat(annual.size("office/golden", 64, 0, 2)).isEqualTo(1);
        assertThat(annual.jobsWhileUnmeasured()).isEqualTo(EnergyBatchPacker.PROBES);
    }

    /** A pack ranks the batch when it may end it; in a small batch every pack does (a ranking of a few rows costs little). */
    @Test
    void everyPackOfASmallBatchRanksALargeBatchOnlyInPacksThatMayEndIt() {
        var esb = EnergyBatchPlanTest.batch();
        var variants = EnergyBatchPlan.variants(esb.getSpec());
        var plan = EnergyBatchPlan.tasks(esb, variants, "worker");
        assertThat(new EnergyBatchPacker(esb, variants, new java.util.HashMap<>(), "worker").pack(plan.stream()
                .filter(t -> t.id().startsWith("office.golden.")).toList(), true).args())
                .as("the ranked CSV goes to the outputs claim: the aggregate Job writes it").doesNotContain("--rank");
        esb.getSpec().outputs = null;
        var members = plan.stream().filter(t -> t.id().startsWith("office.golden.")).toList(); // one model and weather
        java.util.Map<String, dev.fanout.operator.tasks.TaskState> states = new java.util.HashMap<>();
        plan.forEach(t -> states.put(t.id(), new dev.fanout.operator.tasks.TaskLedger.Entry()));
        assertThat(new EnergyBatchPacker(esb, variants, states, "worker").pack(members, false).args()).contains("--rank");
        for (int i = 0; states.size() <= EnergyBatchPacker.RANK_IN_EVERY_PACK_UP_TO; i++) {
            states.put("office.golden.lhs-" + i, new dev.fanout.operator.tasks.TaskLedger.Entry());
        }
        EnergyBatchPacker large = new EnergyBatchPacker(esb, variants, states, "worker");
        assertThat(large.pack(members, false).args()).doesNotContain("--rank");
        assertThat(large.pack(members, true).args()).contains("--rank");
    }

    private static VariantRunTask run(dev.fanout.operator.crds.v1alpha1.common.TaskPhase phase, String job, java.time.Instant start) {
        dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun r = new dev.fanout.operator.crds.v1alpha1.energysimulationbatch.VariantRun();
        r.phase = phase;
        r.job = job;
        r.startTime = start.toString();
        return new VariantRunTask(r);
    }
}
