package dev.fanout.worker.energy;

import dev.fanout.api.ExitCode;
import dev.fanout.api.SimulationMode;
import dev.fanout.api.WorkerContract;
import dev.fanout.api.args.Flags;
import dev.fanout.api.args.PrepareArgs;
import dev.fanout.api.results.PrepareResult;
import dev.fanout.worker.WorkerException;
import dev.fanout.worker.energy.idf.IdfFile;
import dev.fanout.worker.energy.idf.IdfObject;
import dev.fanout.worker.io.ResultFile;
import dev.fanout.worker.io.ScratchSpace;
import dev.fanout.worker.io.SourceFetcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The init container of a variant's Job: fetch the model and the weather, apply the variant, make sure the run writes
 * SQLite and the annual summary, choose design days or the weather-file run, check references, write in.idf / in.epw.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true, description = "Write a variant's EnergyPlus input (in.idf, in.epw) to --out.")
public class PrepareCommand implements Callable<Integer> {
    @Option(names = PrepareArgs.MODEL, required = true, description = "the base model: http(s) URL or path (a mounted ConfigMap key or PVC file)")
    String model;
    @Option(names = PrepareArgs.WEATHER, required = true, description = "the EPW weather file: http(s) URL or path")
    String weather;
    @Option(names = PrepareArgs.VARIANT, description = "the variant as JSON: {\"constructions\": {...}, \"materials\": {...}}")
    String variant;
    @Option(names = PrepareArgs.MODE, defaultValue = "designDay", description = "designDay (sizing periods only) or annual (weather-file run periods)")
    SimulationMode mode;
    @Option(names = PrepareArgs.OUT, required = true, description = "directory for in.idf and in.epw (an emptyDir shared with the engine)")
    Path out;
    @Option(names = "--max-download-bytes", defaultValue = "1073741824", description = "size limit of downloads (default 1 GiB)")
    long maxBytes;
    @Option(names = Flags.RESULT, defaultValue = WorkerContract.RESULT_FILE, description = "where the result JSON goes")
    Path result;
    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        Path work = Files.createTempDirectory(out, "fetch-");
        IdfFile idf;
        try {
            SourceFetcher fetcher = new SourceFetcher(work, maxBytes, 4);
            String text = Files.readString(fetcher.fetch(model), StandardCharsets.UTF_8);
            idf = prepared(parseModel(model, text), variant, mode);
            Files.writeString(out.resolve("in.idf"), idf.write(), StandardCharsets.UTF_8);
            Path epw = fetcher.fetch(weather);
            if (epw.startsWith(work)) {
                Files.move(epw, out.resolve("in.epw"), StandardCopyOption.REPLACE_EXISTING); // a download: no second copy
            } else {
                Files.copy(epw, out.resolve("in.epw"), StandardCopyOption.REPLACE_EXISTING); // on a volume: left as it is
            }
        } finally {
            ScratchSpace.delete(work); // the downloads: the engine reads in.idf and in.epw only
        }
        ResultFile.write(result, new PrepareResult(out.resolve("in.idf").toString(), mode.name(), idf.objects().size()));
        return ExitCode.OK;
    }

    /** The model's text parsed; bad input unless it is an IDF model (every run of it would fail). */
    static IdfFile parseModel(String source, String text) {
        IdfFile idf = IdfFile.parse(text);
        if (!idf.has("Version")) {
            throw WorkerException.badInput(source + " is not an IDF model (no Version object)");
        }
        return idf;
    }

    /**
     * The run's model: {@code idf} (a parse of the model of this run's own: edits must not leak from one run into the
     * next) with the variant applied, the outputs collect reads added, the mode set, references checked.
     */
    static IdfFile prepared(IdfFile idf, String variantJson, SimulationMode mode) {
        Variant.parse(variantJson).applyTo(idf);
        ensureOutputs(idf);
        setMode(idf, mode);
        ModelChecks.check(idf);
        return idf;
    }

    /** A hard link where the file system allows (one copy of the weather for the whole pack), else a copy. */
    static void link(Path from, Path to) throws java.io.IOException {
        Files.deleteIfExists(to);
        try {
            Files.createLink(to, from);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
        }
    }

    /** The collect step reads eplusout.sql's annual summary: make sure the run writes both. */
    static void ensureOutputs(IdfFile idf) {
        if (!idf.has("Output:SQLite")) {
            idf.add(IdfObject.of("Output:SQLite", List.of("SimpleAndTabular")));
        }
        boolean summary = idf.ofClass("Output:Table:SummaryReports").stream().anyMatch(o -> {
            for (int i = 1; i <= o.fieldCount(); i++) {
                String f = o.field(i);
                if (f.equalsIgnoreCase("AllSummary") || f.equalsIgnoreCase("AnnualBuildingUtilityPerformanceSummary")
                        || f.toLowerCase(java.util.Locale.ROOT).startsWith("allsummary")) {
                    return true;
                }
            }
            return false;
        });
        if (!summary) {
            idf.add(IdfObject.of("Output:Table:SummaryReports", List.of("AnnualBuildingUtilityPerformanceSummary")));
        }
    }

    static void setMode(IdfFile idf, SimulationMode mode) {
        IdfObject sc = idf.ofClass("SimulationControl").stream().findFirst().orElse(null);
        if (sc == null) {
            sc = IdfObject.of("SimulationControl", List.of("No", "No", "No", "Yes", "Yes"));
            idf.add(sc);
        }
        sc.field(4, mode == SimulationMode.designDay ? "Yes" : "No");
        sc.field(5, mode == SimulationMode.annual ? "Yes" : "No");
        if (mode == SimulationMode.annual && !idf.has("RunPeriod")) {
            throw WorkerException.badInput("an annual run needs a RunPeriod object, and the model has none");
        }
        if (mode == SimulationMode.designDay && !idf.has("SizingPeriod:DesignDay") && !idf.has("SizingPeriod:WeatherFileDays")) {
            throw WorkerException.badInput("a design-day run needs SizingPeriod:DesignDay objects, and the model has none");
        }
        if (mode == SimulationMode.designDay) {
            // The annual summary is empty for design days: the facility meters per environment are what `collect` ranks by.
            for (String fuel : DESIGN_DAY_FUELS) {
                String meter = fuel + ":Facility";
                boolean present = idf.ofClass("Output:Meter").stream().anyMatch(o -> o.field(1).equalsIgnoreCase(meter)
                        && o.fieldCount() >= 2 && o.field(2).replace(" ", "").equalsIgnoreCase("RunPeriod"));
                if (!present) {
                    idf.add(IdfObject.of("Output:Meter", List.of(meter, "RunPeriod")));
                }
            }
        }
    }

    /** Fuels whose facility meters a design-day run reports (a meter for a fuel the model does not use reports nothing). */
    static final List<String> DESIGN_DAY_FUELS = List.of("Electricity", "NaturalGas", "DistrictHeatingWater", "DistrictCooling");
}
