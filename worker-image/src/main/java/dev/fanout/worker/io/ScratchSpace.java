package dev.fanout.worker.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** The scratch directories commands download and unpack into. */
public final class ScratchSpace {
    private ScratchSpace() {
    }

    /**
     * Deletes a scratch directory and everything in it, best effort: it is called from {@code finally} blocks, where a
     * failed cleanup must not hide the command's own outcome.
     */
    public static void delete(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // scratch space only
        }
    }
}
