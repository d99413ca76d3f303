package io.imgfed.replicator.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a DC's store has half-written: the unfinished files of uploads and pulls in its {@code tmp} folder. */
public final class PartialFiles {
    private PartialFiles() {
    }

    /** Bytes of the {@code .part} files in {@code tmpDir} now; zero when there is none (or no folder yet). */
    public static long bytes(Path tmpDir) {
        if (!Files.isDirectory(tmpDir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(tmpDir)) {
            return s.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> {
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
