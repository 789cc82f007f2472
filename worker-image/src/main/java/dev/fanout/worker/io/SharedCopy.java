package dev.fanout.worker.io;

import dev.fanout.api.results.Results;
import dev.fanout.api.results.SourceVersion;
import dev.fanout.worker.WorkerException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One copy of a source for the layers that share it, on a volume their pods all mount: the first task to need it downloads
 * it, the others wait and read it.
 * <p>
 * In {@code dir}: {@code <key>/} holds the copy, and its {@code copy.json} (written last) says it is complete, which run
 * ({@code tag}) it is of, and what was fetched. {@code <key>.lock} is locked with POSIX record locks: shared while a task
 * reads the copy, exclusive while one replaces it. So a copy is never replaced under a reader, and a task killed while
 * downloading leaves no copy (no {@code copy.json}), only its lock, which the kernel (or the NFS server) releases. A copy
 * of another tag (an earlier run) is replaced, so a key holds one copy at most; making a copy also removes the other
 * keys' copies made more than a week ago that no task holds. Lock files are kept: removing one could
 * let two tasks lock two files of the same name.
 */
public final class SharedCopy implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final String MANIFEST = "copy.json";
    /** How often a task tries to hold a copy that others keep replacing (two runs at once) before it gives up (transient). */
    private static final int TRIES = 5;
    /** Copies of other keys made longer ago than this, and held by no task, are removed when a new copy is made. */
    static final java.time.Duration STALE = java.time.Duration.ofDays(7);

    /** What {@code copy.json} says: the run, the main file (in the copy's directory) and the files fetched, as fetched. */
    public record Manifest(String tag, String file, List<SourceVersion.FileVersion> files) {
    }

    /** Downloads a source with a fetcher that writes into the copy's directory; returns the main file (the one to read). */
    public interface Fill {
        Path into(SourceFetcher fetcher) throws IOException;
    }

    private final FileChannel channel;
    private final FileLock lock;
    private final Path file;
    private final List<SourceVersion.FileVersion> files;
    private final long downloadedBytes;

    private SharedCopy(FileChannel channel, FileLock lock, Path file, List<SourceVersion.FileVersion> files, long downloadedBytes) {
        this.channel = channel;
        this.lock = lock;
        this.file = file;
        this.files = files;
        this.downloadedBytes = downloadedBytes;
    }

    /**
     * Holds the copy named {@code tag} of {@code dir/key} (shared, until {@link #close}), made first with {@code fill} if it is
     * missing or of another tag; {@code fetcher} is a new one for the copy's directory, made for each fill.
     */
    public static SharedCopy hold(Path dir, String key, String tag, java.util.function.Function<Path, SourceFetcher> fetcher, Fill fill) {
        check("--shared-copy-key", key);
        check("--shared-copy-tag", tag);
        Path copy = dir.resolve(key);
        FileChannel channel = null;
        try {
            if (!Files.isDirectory(dir)) {
                throw WorkerException.badInput("--shared-copy-dir " + dir + " is not a directory (is the source cache claim mounted?)");
            }
            channel = FileChannel.open(dir.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            long downloaded = 0;
            for (int i = 0; i < TRIES; i++) {
                FileLock shared = channel.lock(0, Long.MAX_VALUE, true);
                Manifest m = manifest(copy);
                if (m != null && m.tag().equals(tag)) {
                    return new SharedCopy(channel, shared, copy.resolve(m.file()), m.files(), downloaded);
                }
                shared.release();
                try (FileLock exclusive = channel.lock()) { // waits for the readers of an older copy to finish
                    m = manifest(copy);
                    if (m == null || !m.tag().equals(tag)) {
                        ScratchSpace.delete(copy); // an older run's copy, or what a killed download left
                        removeStale(dir, key);
                        Files.createDirectories(copy);
                        SourceFetcher f = fetcher.apply(copy);
                        Path main = fill.into(f);
                        Manifest made = new Manifest(tag, copy.relativize(main).toString(), f.version(null, null).files());
                        Path tmp = copy.resolve(MANIFEST + ".part");
                        Files.writeString(tmp, Results.toJson(made));
                        Files.move(tmp, copy.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
                        downloaded += f.bytesDownloaded();
                    }
                }
                // Between the exclusive lock and the shared one, another run's task may replace the copy: then try again.
            }
            throw WorkerException.transientFailure("the shared copy " + copy + " was replaced " + TRIES + " times while this task "
                    + "waited for it (runs of different source revisions at once)", null);
        } catch (IOException e) {
            close(channel);
            throw WorkerException.transientFailure("the shared copy " + copy + " cannot be used: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    /**
     * Removes the other copies in {@code dir} made more than {@link #STALE} ago (a SpatialLoad deleted, or one whose
     * sources are no longer shared) whose lock is free, so never a copy being read or made. A load's next run downloads
     * afresh anyway (a new run's tag). Lock files stay (see the class comment).
     */
    static void removeStale(Path dir, String except) {
        long before = System.currentTimeMillis() - STALE.toMillis();
        try (var files = Files.list(dir)) {
            for (Path lockFile : files.filter(p -> p.getFileName().toString().endsWith(".lock")).toList()) {
                String other = lockFile.getFileName().toString().replaceFirst("\\.lock$", "");
                Path copy = dir.resolve(other);
                Path manifest = copy.resolve(MANIFEST);
                if (other.equals(except) || !Files.isDirectory(copy)
                        || Files.exists(manifest) && Files.getLastModifiedTime(manifest).toMillis() > before
                        || !Files.exists(manifest) && Files.getLastModifiedTime(copy).toMillis() > before) {
                    continue;
                }
                try (FileChannel c = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                        FileLock l = c.tryLock()) {
                    if (l != null) {
                        ScratchSpace.delete(copy);
                    }
                }
            }
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            // best effort: a copy left is only disk, and the next new copy tries again
        }
    }

    private static void check(String option, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw WorkerException.badInput(option + " '" + value + "' must be 1-128 letters, digits, '.', '_' or '-', not starting with '.'");
        }
    }

    /** The copy's manifest, or null while there is no complete copy. */
    private static Manifest manifest(Path copy) throws IOException {
        Path m = copy.resolve(MANIFEST);
        return Files.isRegularFile(m) ? Results.read(Files.readString(m), Manifest.class) : null;
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock goes with the channel anyway
            }
        }
    }

    /** The main file of the copy, to read while this is held. */
    public Path file() {
        return file;
    }

    /** The files as fetched (URLs, validators, SHA-256), the same for every task that reads this copy. */
    public List<SourceVersion.FileVersion> files() {
        return files;
    }

    /** What this task downloaded to make the copy: 0 when another task had made it. */
    public long downloadedBytes() {
        return downloadedBytes;
    }

    /** Lets the copy be replaced again (by a later run). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // released with the channel
        }
        close(channel);
    }
}
