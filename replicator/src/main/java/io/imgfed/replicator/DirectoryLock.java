package io.imgfed.replicator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One daemon per directory: an exclusive lock on {@code <dir>/imgfed.lock}, taken before anything else in the
 * directory is touched and held until the daemon stops (the kernel drops it when the process dies, so a killed
 * daemon never leaves a stale lock). A second daemon started on a live DC's directory would otherwise delete the
 * live pulls' files, bill the live transfers as interrupted and write into the same outbox.
 *
 * <p>The lock file holds the holder's PID so that the refusal can name it.
 */
public final class DirectoryLock implements AutoCloseable {
    static final String FILE = "imgfed.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, creating the directory if needed; throws {@link InUseException} when another process holds it. */
    public static DirectoryLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = readHolder(ch);
            ch.close();
            throw new InUseException(dir, holder);
        }
        byte[] pid = String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(pid), 0);
        return new DirectoryLock(dir, ch, lock);
    }

    private static String readHolder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return s.matches("\\d+") ? s : null;
        } catch (IOException e) {
            return null;
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it as well
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // the process is stopping; the kernel drops the lock
        }
    }

    /** Another process (or another daemon in this JVM) holds the directory. */
    public static final class InUseException extends IOException {
        private final Path dir;
        private final String pid;

        InUseException(Path dir, String pid) {
            super(dir + " is in use by another imgfed daemon" + (pid == null ? "" : " (pid " + pid + ")")
                    + "; one daemon per directory", null);
            this.dir = dir;
            this.pid = pid;
        }

        public Path dir() {
            return dir;
        }

        /** The holder's PID as it wrote it, or null when unknown. */
        public String pid() {
            return pid;
        }
    }
}
