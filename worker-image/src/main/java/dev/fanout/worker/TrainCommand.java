package dev.fanout.worker;

import dev.fanout.worker.spatial.SampleLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The JVM training run behind the image's AOT cache: a sample layer through `spatial load --dry-run` (no database), so
 * that the classes and the method profiles of the hot path are in the cache and a Job's worker starts warm. Run as
 * {@code java -XX:AOTCacheOutput=fanout-worker.aot -jar fanout-worker.jar train} (JDK 25); not a user command.
 */
@Command(name = "train", hidden = true, description = "Exercise the load path once, for a JVM AOT cache.")
public class TrainCommand implements Callable<Integer> {
    @Option(names = "--work-dir", required = true, description = "scratch directory for the sample layer")
    Path workDir;
    @Option(names = "--features", defaultValue = "20000")
    int features;

    @Override
    public Integer call() throws Exception {
        Path shp = workDir.resolve("sample.shp");
        SampleLayer.write(shp, features, 40);
        int code = FanoutWorker.run("spatial", "load", "--dry-run", "--source", shp.toString(), "--table", "sample",
                "--result", workDir.resolve("sample.json").toString());
        System.out.println(Files.readString(workDir.resolve("sample.json")));
        return code;
    }
}
