package io.imgfed.replicator.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A scratch directory in memory ({@code /dev/shm}) for tests that make thousands of fsynced writes and are about
 * the API, not the disk; falls back to a disk directory where there is no tmpfs.
 */
public final class TmpfsDir {
    private static final Path SHM = Path.of("/dev/shm");

    private TmpfsDir() {
    }

    /** A new directory under /dev/shm, or {@code fallback} itself when /dev/shm is not usable. */
    public static Path create(String prefix, Path fallback) {
        if (Files.isDirectory(SHM) && Files.isWritable(SHM)) {
            try {
                return Files.createTempDirectory(SHM, prefix);
            } catch (IOException e) {
                return fallback;
            }
        }
        return fallback;
    }

    /** Deletes a directory made by {@link #create} (the fallback is left to its owner, e.g. JUnit's @TempDir). */
    public static void delete(Path dir, Path fallback) {
        if (dir == null || dir.equals(fallback)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
