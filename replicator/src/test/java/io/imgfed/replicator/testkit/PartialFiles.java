package io.imgfed.replicator.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a DC's store has half-written: the unfinished files of uploads ({@code tmp/*.part}) and of pulls
 * ({@code partial/<sha1>}) under its data dir.
 */
public final class PartialFiles {
    private PartialFiles() {
    }

    /** Bytes of unfinished files under {@code dataDir} now; zero when there is none (or no folder yet). */
    public static long bytes(Path dataDir) {
        return bytes(dataDir.resolve("tmp"), ".part") + pulling(dataDir);
    }

    /** Bytes of the files pulls are filling under {@code dataDir}. */
    public static long pulling(Path dataDir) {
        return bytes(dataDir.resolve("partial"), "");
    }

    private static long bytes(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException gone) {
                    return 0; // finished or deleted since the listing
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
