package io.imgfed.transfer.billing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The billing events each running transfer would have if it failed now, checkpointed to one small file per
 * transfer, so that bytes moved before this daemon dies mid-transfer are still billed: a transfer's events are
 * otherwise appended to the outbox only when it ends, which a killed daemon never reaches. At the next start
 * {@link #takeLeftovers()} hands over what the dead process left, to be appended as failed transfers.
 *
 * <p>Checkpoints are written on a thread of their own (the newest per transfer wins when they queue up) by a
 * write to a temp file and a rename, without fsync: they survive the process dying, and a machine crash loses at
 * most the last ones. A transfer's events carry ids derived from the transfer, so an end recorded just before
 * a crash and its leftover checkpoint dedupe to one event per source.
 */
public final class RunningTransfers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunningTransfers.class);
    private static final String SUFFIX = ".events";

    private final Path dir;
    private final Map<String, byte[]> queued = new ConcurrentHashMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "imgfed-running-transfers");
        t.setDaemon(true);
        return t;
    });

    private RunningTransfers(Path dir) {
        this.dir = dir;
    }

    /** Opens (creating) the folder of checkpoints; blocking. */
    public static RunningTransfers open(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new RunningTransfers(dir);
    }

    /**
     * The checkpoints a previous process left, each with its encoded events; call once, before any transfer
     * runs. They stay on disk until {@link #delete(List)}, once their events are in the outbox.
     */
    public List<Leftover> takeLeftovers() throws IOException {
        List<Leftover> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.endsWith(SUFFIX)) {
                    Files.deleteIfExists(p); // a checkpoint the dead process had not finished writing
                    continue;
                }
                List<byte[]> events = new ArrayList<>();
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        events.add(line.getBytes(StandardCharsets.UTF_8));
                    }
                }
                out.add(new Leftover(p, events));
            }
        }
        return out;
    }

    /** A running transfer's checkpoint found at start. */
    public record Leftover(Path file, List<byte[]> events) {
    }

    /** Removes leftovers once their events are safely in the outbox. */
    public void delete(List<Leftover> done) throws IOException {
        for (Leftover l : done) {
            Files.deleteIfExists(l.file());
        }
    }

    /** Replaces a running transfer's checkpoint with these events (encoded, one per line); never blocks. */
    public void checkpoint(String transferId, List<byte[]> events) {
        int size = 0;
        for (byte[] e : events) {
            size += e.length + 1;
        }
        byte[] content = new byte[size];
        int at = 0;
        for (byte[] e : events) {
            System.arraycopy(e, 0, content, at, e.length);
            at += e.length;
            content[at++] = '\n';
        }
        if (queued.put(transferId, content) == null) {
            submit(() -> write(transferId));
        }
    }

    /** The transfer ended and its events are in the outbox: its checkpoint goes. Never blocks. */
    public void forget(String transferId) {
        submit(() -> {
            queued.remove(transferId);
            try {
                Files.deleteIfExists(file(transferId));
            } catch (IOException e) {
                LOG.warn("removing the billing checkpoint of transfer {}: {}", transferId, e.toString());
            }
        });
    }

    private void write(String transferId) {
        byte[] content = queued.remove(transferId);
        if (content == null) {
            return; // forgotten meanwhile
        }
        Path target = file(transferId);
        Path tmp = dir.resolve(transferId + ".tmp");
        try {
            Files.write(tmp, content);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("billing checkpoint of transfer {} not written: {}", transferId, e.toString());
        }
    }

    private Path file(String transferId) {
        return dir.resolve(transferId + SUFFIX);
    }

    private void submit(Runnable task) {
        try {
            writer.execute(task);
        } catch (RejectedExecutionException closing) {
            // the daemon stops: the checkpoints on disk are what the next start bills
        }
    }

    /** Finishes the writes queued so far. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
