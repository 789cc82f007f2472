package dev.fanout.worker;

import dev.fanout.api.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the worker version, its Java runtime and its SHA-256 implementation.")
public class VersionCommand implements Callable<Integer> {

    public static String version() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public Integer call() {
        System.out.println("fanout-worker " + version() + " (java " + Runtime.version() + ", sha256 " + dev.fanout.worker.io.Sha256.implementation() + ")");
        return ExitCode.OK;
    }
}
