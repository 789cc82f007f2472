package dev.fanout.worker.io;

import dev.fanout.api.ExitCode;
import dev.fanout.worker.WorkerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/** Unpacks a zip safely: no entry may land outside the target directory (zip-slip), and the total size is capped. */
public final class ZipExtractor {
    private ZipExtractor() {
    }

    public static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }

    /** @return the extracted regular files, relative paths kept */
    public static List<Path> extract(Path zip, Path targetDir, long maxBytes) {
        List<Path> files = new ArrayList<>();
        Path root = targetDir.toAbsolutePath().normalize();
        long total = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            byte[] buf = new byte[1 << 16];
            while ((e = in.getNextEntry()) != null) {
                Path out = root.resolve(e.getName()).normalize();
                if (!out.startsWith(root) || e.getName().startsWith("/") || e.getName().contains("\\")) {
                    throw WorkerException.badInput("zip entry '" + e.getName() + "' would be written outside the extraction "
                            + "directory (zip-slip): refusing the archive");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                Files.createDirectories(out.getParent());
                try (OutputStream os = Files.newOutputStream(out)) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        total += r;
                        if (total > maxBytes) {
                            throw WorkerException.badInput("zip contents exceed the size limit of " + maxBytes + " bytes");
                        }
                        os.write(buf, 0, r);
                    }
                }
                files.add(out);
            }
        } catch (ZipException e) {
            throw WorkerException.badInput("corrupt zip file " + zip.getFileName() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new WorkerException(dev.fanout.api.ExitCode.CRASH, "could not unpack " + zip + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw WorkerException.badInput("zip file " + zip.getFileName() + " holds no files");
        }
        return files;
    }
}
