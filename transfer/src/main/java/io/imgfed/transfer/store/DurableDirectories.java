package io.imgfed.transfer.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Directories whose existence survives a power loss. POSIX makes a new name durable only when the directory
 * holding it is fsynced: a {@code mkdir} that nobody follows with an fsync of the parent may be gone after a power
 * cut, and with it every file below, however carefully each was fsynced (ext4 usually keeps it by journal
 * ordering; nothing promises it). Blocking: call from a worker thread.
 */
public final class DurableDirectories {
    private DurableDirectories() {
    }

    /** Creates {@code dir} and any missing parents, fsyncing the parent of each level it created. */
    public static Path create(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        Files.createDirectories(dir);
        for (Path created : missing) {
            fsync(created.getParent());
        }
        return dir;
    }

    /** fsync of a directory: its entries (creations, renames, unlinks in it) become durable. */
    public static void fsync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
