package dev.fanout.worker.testdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The three Natural Earth layers of the shared data in a fresh directory, served over http for a test class
 * ({@code @RegisterExtension static final NaturalEarthServer http = new NaturalEarthServer();}).
 */
public final class NaturalEarthServer implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private FileServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("natural-earth-");
        SharedData.copyNaturalEarthLayers(dir);
        server = new FileServer(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The URL of a file under the served directory, e.g. {@code admin0/ne_50m_admin_0_countries.zip}. */
    public String url(String path) {
        return server.url(path);
    }

    /** Where the files are, e.g. {@code admin1/ne_50m_admin_1_states_provinces.shp}. */
    public Path dir() {
        return dir;
    }

    public FileServer server() {
        return server;
    }
}
