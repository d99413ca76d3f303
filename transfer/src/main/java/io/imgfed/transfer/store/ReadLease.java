package io.imgfed.transfer.store;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A blob open for reading under a lease ({@link BlobStore#lease}): while any lease on it is held, eviction leaves the
 * blob alone. Closing it closes the channel and gives the lease back; closing twice is harmless.
 */
public final class ReadLease implements AutoCloseable {
    private final BlobStore store;
    private final String sha1;
    private final long size;
    private final FileChannel channel;
    private boolean closed;

    ReadLease(BlobStore store, String sha1, long size, FileChannel channel) {
        this.store = store;
        this.sha1 = sha1;
        this.size = size;
        this.channel = channel;
    }

    public FileChannel channel() {
        return channel;
    }

    public long size() {
        return size;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to read from it
        }
        store.unlease(sha1);
    }
}
