package io.imgfed.transfer.pull;

import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a byte range of a transfer's file to one requester as the bytes arrive, at the requester's own
 * pace: the transfer writes to disk, every reader reads from there, so a slow reader slows nobody else.
 *
 * <p>A range that ends at the file's last byte is not finished until the transfer has verified and
 * committed the file, so a complete whole-file answer is always a verified one. If the file is discarded
 * or the transfer fails, the reader fails and the requester's connection is to be reset.
 */
public final class TransferReader {
    private static final int CHUNK = 256 * 1024;

    private final Transfer transfer;
    private final BlobStore store;
    private final WriteStream<Buffer> out;
    private final Context context;
    private final long end;
    private final int generation;
    private final Promise<Void> result = Promise.promise();
    private FileChannel channel;
    private long position;
    private boolean reading;
    private boolean finished;

    private TransferReader(Transfer transfer, BlobStore store, long start, long endInclusive, WriteStream<Buffer> out,
            Context context) {
        this.transfer = transfer;
        this.store = store;
        this.out = out;
        this.context = context;
        this.position = start;
        this.end = endInclusive;
        this.generation = transfer.generation();
    }

    /**
     * Streams bytes {@code start..endInclusive}; the future completes once all are written (not ended: the
     * caller ends its response) and fails when the transfer fails, its file is discarded, or writing fails.
     */
    public static Future<Void> stream(Transfer transfer, BlobStore store, long start, long endInclusive,
            WriteStream<Buffer> out, Context context, boolean joined) {
        TransferReader r = new TransferReader(transfer, store, start, endInclusive, out, context);
        transfer.readerStarted(joined);
        r.result.future().onComplete(ar -> transfer.readerEnded());
        r.open();
        return r.result.future();
    }

    private void open() {
        Path temp = transfer.path();
        if (temp == null) {
            transfer.wakeOnChange(context, this::open);
            return;
        }
        store.blocking(() -> openChannel(temp)).onComplete(ar -> {
            if (ar.failed()) {
                finish(ar.cause());
                return;
            }
            channel = ar.result();
            pump();
        });
    }

    /** The temp file, or the committed blob if the rename happened in between. */
    private FileChannel openChannel(Path temp) throws IOException {
        try {
            return FileChannel.open(temp, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            if (transfer.state() == Transfer.State.COMPLETED) {
                return FileChannel.open(transfer.path(), StandardOpenOption.READ);
            }
            throw new IOException("the file being pulled was discarded", e);
        }
    }

    private void pump() {
        if (finished || reading) {
            return;
        }
        Transfer.State state = transfer.state();
        if (state == Transfer.State.FAILED) {
            finish(new Transfer.TransferFailedException("the pull failed: " + transfer.error()));
            return;
        }
        if (transfer.generation() != generation) {
            finish(new Transfer.TransferFailedException("the file being pulled failed verification and was discarded"));
            return;
        }
        boolean verified = state == Transfer.State.COMPLETED;
        // Hold back the file's last byte until it is verified: a client never sees a complete unverified file.
        long limit = verified || end < transfer.size() - 1 ? end : end - 1;
        long available = Math.min(transfer.written(), limit + 1);
        if (position > end) {
            finish(null);
            return;
        }
        if (position >= available) {
            transfer.wakeOnChange(context, this::pump);
            return;
        }
        int n = (int) Math.min(CHUNK, available - position);
        long at = position;
        reading = true;
        store.blocking(() -> read(at, n)).onComplete(ar -> {
            reading = false;
            if (ar.failed()) {
                finish(ar.cause());
                return;
            }
            if (transfer.generation() != generation) {
                finish(new Transfer.TransferFailedException("the file being pulled failed verification and was discarded"));
                return;
            }
            position += n;
            out.write(ar.result()).onFailure(this::finish);
            if (out.writeQueueFull()) {
                out.drainHandler(v -> pump());
            } else {
                pump();
            }
        });
    }

    private Buffer read(long at, int n) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(n);
        while (bb.hasRemaining()) {
            int r = channel.read(bb, at + bb.position());
            if (r < 0) {
                throw new IOException("file ended early at " + (at + bb.position()));
            }
        }
        return Buffer.buffer(bb.array());
    }

    private void finish(Throwable failure) {
        if (finished) {
            return;
        }
        finished = true;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to read
            }
        }
        if (failure == null) {
            result.complete();
        } else {
            result.fail(failure);
        }
    }
}
