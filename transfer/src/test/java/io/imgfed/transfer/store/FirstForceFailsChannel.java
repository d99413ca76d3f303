package io.imgfed.transfer.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;

/**
 * A real file channel whose first fsync reports an I/O error, as Linux reports a failed writeback once: the bytes
 * it covered may be gone while every later fsync succeeds.
 */
final class FirstForceFailsChannel extends ForwardingFileChannel {
    /** Completes when the failing fsync has been answered. */
    final CompletableFuture<Void> failed = new CompletableFuture<>();

    FirstForceFailsChannel(FileChannel real) {
        super(real);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        synchronized (failed) {
            if (!failed.isDone()) {
                failed.complete(null);
                throw new IOException("Input/output error (the first fsync)");
            }
        }
        super.force(metaData);
    }
}
