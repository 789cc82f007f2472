package dev.fanout.worker.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.worker.WorkerException;
import dev.fanout.worker.testdata.FileServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download path against a real http server on loopback: redirects, missing files, the size limit. */
class SourceFetcherTest {
    @TempDir
    Path served;
    @TempDir
    Path work;

    private byte[] serve(String name, int size) throws Exception {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        Files.write(served.resolve(name), data);
        return data;
    }

    @Test
    void followsRedirectsRelativeAndAbsolute() throws Exception {
        byte[] data = serve("weather.epw", 300_000);
        try (FileServer server = new FileServer(served)) {
            server.redirect("old/weather.epw", "/moved/weather.epw"); // relative
            server.redirect("moved/weather.epw", server.url("weather.epw")); // absolute
            Path got = new SourceFetcher(work, 1 << 20, 1).fetch(server.url("old/weather.epw"));
            assertThat(Files.readAllBytes(got)).isEqualTo(data);
            assertThat(server.requests()).isEqualTo(3);
        }
    }

    @Test
    void refusesRedirectsToOtherSchemesAndEndlessOnes() throws Exception {
        serve("a.idf", 10);
        try (FileServer server = new FileServer(served)) {
            server.redirect("ftp.idf", "ftp://127.0.0.1/a.idf");
            assertThatThrownBy(() -> new SourceFetcher(work, 1 << 20, 1).fetch(server.url("ftp.idf")))
                    .isInstanceOfSatisfying(WorkerException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                    .hasMessageContaining("redirects to ftp://127.0.0.1/a.idf");
            server.redirect("loop.idf", "/loop.idf");
            assertThatThrownBy(() -> new SourceFetcher(work, 1 << 20, 1).fetch(server.url("loop.idf")))
                    .isInstanceOfSatisfying(WorkerException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                    .hasMessageContaining("more than 5 times");
        }
    }

    @Test
    void missingFileIsTransientWhenRequiredAndEmptyWhenOptional() throws Exception {
        try (FileServer server = new FileServer(served)) {
            SourceFetcher fetcher = new SourceFetcher(work, 1 << 20, 1);
            assertThat(fetcher.download(server.url("layer.prj"), false)).isEmpty();
            assertThatThrownBy(() -> fetcher.fetch(server.url("layer.shp")))
                    .isInstanceOfSatisfying(WorkerException.class, e -> assertThat(e.exitCode()).isEqualTo(3))
                    .hasMessageContaining("404");
        }
    }

    @Test
    void stopsAtTheSizeLimitAndLeavesNoPartialFile() throws Exception {
        serve("big.epw", 200_000);
        try (FileServer server = new FileServer(served)) {
            assertThatThrownBy(() -> new SourceFetcher(work, 100_000, 1).fetch(server.url("big.epw")))
                    .isInstanceOfSatisfying(WorkerException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                    .hasMessageContaining("size limit of 100000 bytes");
            try (var files = Files.list(work)) {
                assertThat(files.toList()).isEmpty();
            }
        }
    }
}
