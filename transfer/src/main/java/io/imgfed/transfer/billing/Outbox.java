package io.imgfed.transfer.billing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing events on their way to Kafka, kept on disk so that no crash or Kafka outage loses one. An event is
 * appended and fsynced before {@link #append} completes; it stays until the publisher reports Kafka's
 * acknowledgement, and is sent again after a restart if that acknowledgement was not yet recorded.
 *
 * <p>Layout: segment files {@code events-<first seq>.log} of frames {@code [len][crc32c][seq][payload]}, and
 * {@code acked}, the highest sequence number below which everything was acknowledged (replaced atomically).
 * A frame torn by a crash at the end of the last segment is cut off on open; everything before it survives.
 * Appends queued together share one fsync (group commit).
 */
public final class Outbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    private static final int HEADER = 4 + 4 + 8;
    private static final int MAX_FRAME = 1 << 20;
    private static final long SEGMENT_BYTES = 16L << 20;
    private static final String ACKED = "acked";

    /** A pending event: its sequence number and bytes. */
    public record Entry(long seq, byte[] payload) {
    }

    private record Location(Path segment, long offset, int length) {
    }

    private final Path dir;
    private final BlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Events not yet acknowledged, by sequence number. Guarded by this. */
    private final NavigableMap<Long, Location> pending = new TreeMap<>();
    private final TreeSet<Long> ackedAbove = new TreeSet<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong appended = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean persistQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final List<Runnable> appendListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long watermark;
    private long persistedWatermark;
    private long nextSeq;
    private Path segment;
    private FileChannel segmentChannel;
    private volatile boolean closed;

    private Outbox(Path dir) {
        this.dir = dir;
        this.writer = new Thread(this::run, "imgfed-outbox");
        this.writer.setDaemon(true);
    }

    /** Opens (or creates) the outbox in {@code dir}, repairing a torn last frame. */
    public static Outbox open(Path dir) throws IOException {
        Outbox o = new Outbox(dir);
        o.recover();
        o.writer.start();
        return o;
    }

    private void recover() throws IOException {
        Files.createDirectories(dir);
        watermark = readWatermark();
        persistedWatermark = watermark;
        List<Path> segments = segments();
        nextSeq = watermark + 1;
        for (int i = 0; i < segments.size(); i++) {
            scan(segments.get(i), i == segments.size() - 1);
        }
        for (int i = 0; i < segments.size() - 1; i++) {
            if (!hasPending(segments.get(i), segments.get(i + 1))) {
                Files.deleteIfExists(segments.get(i));
            }
        }
        if (!pending.isEmpty()) {
            LOG.info("billing outbox {}: {} event(s) waiting for Kafka", dir, pending.size());
        }
    }

    private void scan(Path s, boolean last) throws IOException {
        try (FileChannel ch = FileChannel.open(s, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            while (pos < size) {
                head.clear();
                if (readFully(ch, head, pos) < HEADER) {
                    break;
                }
                head.flip();
                int len = head.getInt();
                int crc = head.getInt();
                long seq = head.getLong();
                if (len < 0 || len > MAX_FRAME || pos + HEADER + len > size) {
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                readFully(ch, payload, pos + HEADER);
                if (crc(seq, payload.array()) != crc) {
                    break;
                }
                if (seq > watermark) {
                    pending.put(seq, new Location(s, pos + HEADER, len));
                    pendingBytes.addAndGet(len);
                }
                nextSeq = Math.max(nextSeq, seq + 1);
                pos += HEADER + len;
            }
            if (pos < size) {
                if (last) {
                    LOG.warn("billing outbox: cutting a torn frame off the end of {} ({} of {} bytes kept)", s, pos, size);
                    ch.truncate(pos);
                    ch.force(true);
                } else {
                    LOG.error("billing outbox: {} is damaged after byte {}; the events before it are kept", s, pos);
                }
            }
        }
    }

    /**
     * Appends events durably: the future completes once they are fsynced (and fails if they could not be),
     * with the sequence number of each.
     */
    public CompletableFuture<long[]> append(List<byte[]> payloads) {
        CompletableFuture<long[]> f = new CompletableFuture<>();
        for (byte[] p : payloads) {
            if (p.length > MAX_FRAME) {
                f.completeExceptionally(new IllegalArgumentException("billing event larger than " + MAX_FRAME + " bytes"));
                return f;
            }
        }
        if (closed) {
            f.completeExceptionally(new IOException("billing outbox is closed"));
            return f;
        }
        work.add(new Append(payloads, f));
        return f;
    }

    private record Append(List<byte[]> payloads, CompletableFuture<long[]> done) implements Runnable {
        @Override
        public void run() {
            throw new UnsupportedOperationException("appends are batched by the writer");
        }
    }

    /** Called after events were appended (on the outbox thread): wakes the publisher. */
    public void onAppend(Runnable r) {
        appendListeners.add(r);
    }

    /** Up to {@code max} pending events after {@code afterSeq}, in order, skipping {@code skip}. */
    public List<Entry> pending(long afterSeq, int max, java.util.Set<Long> skip) throws IOException {
        List<Map.Entry<Long, Location>> picked = new ArrayList<>();
        synchronized (this) {
            for (Map.Entry<Long, Location> e : pending.tailMap(afterSeq, false).entrySet()) {
                if (picked.size() >= max) {
                    break;
                }
                if (!ackedAbove.contains(e.getKey()) && !skip.contains(e.getKey())) {
                    picked.add(e);
                }
            }
        }
        List<Entry> out = new ArrayList<>(picked.size());
        for (Map.Entry<Long, Location> e : picked) {
            Location l = e.getValue();
            try (FileChannel ch = FileChannel.open(l.segment(), StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(l.length());
                readFully(ch, b, l.offset());
                out.add(new Entry(e.getKey(), b.array()));
            } catch (java.nio.file.NoSuchFileException gone) {
                // acknowledged and compacted meanwhile
            }
        }
        return out;
    }

    /** Records Kafka's acknowledgement of an event; persisted in batches by the writer thread. */
    public void ack(long seq) {
        synchronized (this) {
            Location l = pending.get(seq);
            if (l == null || ackedAbove.contains(seq)) {
                return;
            }
            ackedAbove.add(seq);
            pendingBytes.addAndGet(-l.length());
            while (!ackedAbove.isEmpty() && ackedAbove.first() == firstPendingSeq()) {
                long s = ackedAbove.pollFirst();
                pending.remove(s);
                watermark = s;
            }
        }
        if (persistQueued.compareAndSet(false, true)) {
            work.add(() -> {
                persistQueued.set(false);
                persistWatermark();
            });
        }
    }

    private long firstPendingSeq() {
        return pending.isEmpty() ? Long.MAX_VALUE : pending.firstKey();
    }

    /** Events not yet acknowledged by Kafka. */
    public synchronized long pendingCount() {
        return pending.size() - ackedAbove.size();
    }

    public long pendingBytes() {
        return pendingBytes.get();
    }

    /** Events appended since this outbox was opened. */
    public long appendedCount() {
        return appended.get();
    }

    private void run() {
        List<Runnable> batch = new ArrayList<>();
        while (!closed || !work.isEmpty()) {
            try {
                Runnable first = work.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                work.drainTo(batch);
                writeAppends(batch);
                for (Runnable r : batch) {
                    if (!(r instanceof Append)) {
                        r.run();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("billing outbox writer failed", e);
            }
        }
    }

    /** Writes every append of the batch, then one fsync for all, then completes them. */
    private void writeAppends(List<Runnable> batch) {
        List<Append> appends = new ArrayList<>();
        for (Runnable r : batch) {
            if (r instanceof Append a) {
                appends.add(a);
            }
        }
        if (appends.isEmpty()) {
            return;
        }
        List<long[]> seqs = new ArrayList<>();
        Map<Long, Location> written = new TreeMap<>();
        try {
            for (Append a : appends) {
                long[] s = new long[a.payloads().size()];
                for (int i = 0; i < s.length; i++) {
                    byte[] p = a.payloads().get(i);
                    if (segmentChannel == null || segmentChannel.size() >= SEGMENT_BYTES) {
                        roll();
                    }
                    long seq = nextSeq++;
                    long pos = segmentChannel.size();
                    ByteBuffer frame = ByteBuffer.allocate(HEADER + p.length);
                    frame.putInt(p.length).putInt(crc(seq, p)).putLong(seq).put(p).flip();
                    while (frame.hasRemaining()) {
                        segmentChannel.write(frame, pos + frame.position());
                    }
                    written.put(seq, new Location(segment, pos + HEADER, p.length));
                    s[i] = seq;
                }
                seqs.add(s);
            }
            segmentChannel.force(false);
        } catch (IOException e) {
            LOG.error("billing outbox: appending failed: {}", e.toString());
            for (Append a : appends) {
                a.done().completeExceptionally(e);
            }
            return;
        }
        long bytes = 0;
        synchronized (this) {
            for (Map.Entry<Long, Location> w : written.entrySet()) {
                pending.put(w.getKey(), w.getValue());
                bytes += w.getValue().length();
            }
        }
        pendingBytes.addAndGet(bytes);
        appended.addAndGet(written.size());
        for (int i = 0; i < appends.size(); i++) {
            appends.get(i).done().complete(seqs.get(i));
        }
        appendListeners.forEach(Runnable::run);
    }

    private void roll() throws IOException {
        if (segmentChannel != null) {
            segmentChannel.close();
        }
        List<Path> existing = segments();
        Path last = lastOrNull(existing);
        if (last != null && segment == null && Files.size(last) < SEGMENT_BYTES) {
            segment = last;
        } else {
            segment = dir.resolve(String.format("events-%020d.log", nextSeq));
        }
        segmentChannel = FileChannel.open(segment, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        fsyncDir();
    }

    private void persistWatermark() {
        long w;
        synchronized (this) {
            w = watermark;
        }
        if (w == persistedWatermark) {
            return;
        }
        try {
            Path tmp = dir.resolve(ACKED + ".tmp");
            ByteBuffer b = ByteBuffer.allocate(12);
            b.putLong(w).putInt(crc(w, new byte[0])).flip();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(ACKED), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir();
            persistedWatermark = w;
            deleteAcknowledgedSegments();
        } catch (IOException e) {
            LOG.warn("billing outbox: recording acknowledgements failed (they will be re-sent after a restart): {}",
                    e.toString());
        }
    }

    private void deleteAcknowledgedSegments() throws IOException {
        List<Path> all = segments();
        for (int i = 0; i < all.size() - 1; i++) {
            if (!all.get(i).equals(segment) && !hasPending(all.get(i), all.get(i + 1))) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }

    /** Whether a segment (followed by {@code next}) still holds unacknowledged events: by their sequence range. */
    private synchronized boolean hasPending(Path s, Path next) {
        return !pending.subMap(firstSeq(s), true, firstSeq(next), false).isEmpty();
    }

    private static long firstSeq(Path segment) {
        String n = segment.getFileName().toString();
        return Long.parseLong(n.substring("events-".length(), n.length() - ".log".length()));
    }

    private long readWatermark() throws IOException {
        Path f = dir.resolve(ACKED);
        if (!Files.exists(f)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(f);
        if (b.length != 12) {
            LOG.warn("billing outbox: {} is damaged; every stored event will be sent again", f);
            return 0;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        long w = bb.getLong();
        if (bb.getInt() != crc(w, new byte[0])) {
            LOG.warn("billing outbox: {} fails its checksum; every stored event will be sent again", f);
            return 0;
        }
        return w;
    }

    private List<Path> segments() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "events-*.log")) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static Path lastOrNull(List<Path> l) {
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    private void fsyncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int total = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static int crc(long seq, byte[] payload) {
        CRC32C c = new CRC32C();
        ByteBuffer s = ByteBuffer.allocate(8).putLong(seq);
        c.update(s.array());
        c.update(payload);
        return (int) c.getValue();
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        work.add(this::persistWatermark);
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (segmentChannel != null) {
                segmentChannel.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
