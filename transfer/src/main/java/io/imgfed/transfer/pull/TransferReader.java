package io.imgfed.transfer.pull;

import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a byte range of a transfer's file to one requester as its pieces are verified, at the requester's
 * own pace: the transfer writes to disk, every reader sends from there ({@link FileSink}: zero-copy where the
 * connection allows), so a slow reader slows nobody else and a fast one sends all that is verified in one go.
 *
 * <p>Only verified bytes are ever read: a byte is sent once the whole piece it belongs to matched the digest the
 * home DC signed (for a file without a signed piece list, once the whole file did). The file's last byte also
 * waits until the transfer is committed, so a complete answer means a done (billed, stored) transfer. If the
 * transfer fails, the reader fails and the requester's connection is to be reset; what it received was verified
 * all the same.
 */
public final class TransferReader {
    private final Transfer transfer;
    private final BlobStore store;
    private final FileSink out;
    private final Context context;
    private final long end;
    private final Promise<Void> result = Promise.promise();
    private FileChannel channel;
    private long position;
    private boolean sending;
    private boolean finished;

    private TransferReader(Transfer transfer, BlobStore store, long start, long endInclusive, FileSink out,
            Context context) {
        this.transfer = transfer;
        this.store = store;
        this.out = out;
        this.context = context;
        this.position = start;
        this.end = endInclusive;
    }

    /**
     * Streams bytes {@code start..endInclusive}; the future completes once all are written (not ended: the
     * caller ends its response) and fails when the transfer fails, its file is discarded, or writing fails.
     */
    public static Future<Void> stream(Transfer transfer, BlobStore store, long start, long endInclusive,
            FileSink out, Context context) {
        TransferReader r = new TransferReader(transfer, store, start, endInclusive, out, context);
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
            throw new IOException("the file being pulled is gone", e);
        }
    }

    private void pump() {
        if (finished || sending) {
            return;
        }
        Transfer.State state = transfer.state();
        if (state == Transfer.State.FAILED) {
            finish(new Transfer.TransferFailedException("the pull failed: " + transfer.error()));
            return;
        }
        long available = Math.min(transfer.verified(), end + 1);
        if (available == transfer.size() && state != Transfer.State.COMPLETED) {
            // The file's last byte waits for the commit (after the billing event is durable): a complete whole-file
            // answer means the transfer is done.
            available--;
        }
        if (position > end) {
            finish(null);
            return;
        }
        if (position >= available) {
            transfer.wakeOnChange(context, this::pump);
            return;
        }
        long n = available - position;
        sending = true;
        out.send(channel, position, n).onComplete(ar -> {
            sending = false;
            if (ar.failed()) {
                finish(ar.cause());
                return;
            }
            position += n;
            pump();
        });
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
