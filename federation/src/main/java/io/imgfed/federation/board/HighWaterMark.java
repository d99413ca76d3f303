package io.imgfed.federation.board;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A number kept durably in one small file that only ever grows: written to a temp file, fsynced, renamed over
 * the old one and the directory fsynced, so that a crash leaves the old value or the new, never a torn or lost
 * one. Writes are serialised and never lower the value on disk (a slow write of a lower value loses to a
 * later one of a higher value).
 */
final class HighWaterMark {
    private final Path file;
    private long onDisk;

    HighWaterMark(Path file) {
        this.file = file;
    }

    /** The value on disk, 0 when there is none yet. */
    synchronized long read() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return 0;
        }
        try {
            onDisk = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException(file + " does not hold a number (\"" + (text.length() > 40 ? text.substring(0, 40) : text)
                    + "\"); restore it or remove it if this DC's clock is known to be right");
        }
        return onDisk;
    }

    /** Durably records {@code value} unless the file already holds as much. Blocking (fsync). */
    synchronized void write(long value) throws IOException {
        if (value <= onDisk) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((value + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        onDisk = value;
    }

    Path file() {
        return file;
    }
}
