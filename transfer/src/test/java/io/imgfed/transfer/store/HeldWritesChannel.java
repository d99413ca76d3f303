package io.imgfed.transfer.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CountDownLatch;

/** A real file channel whose positional writes wait until {@link #release}: a disk the file lane waits on. */
final class HeldWritesChannel extends ForwardingFileChannel {
    private final CountDownLatch released = new CountDownLatch(1);

    HeldWritesChannel(FileChannel real) {
        super(real);
    }

    void release() {
        released.countDown();
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("held write interrupted");
        }
        return super.write(src, position);
    }
}
