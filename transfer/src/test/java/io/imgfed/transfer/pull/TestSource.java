package io.imgfed.transfer.pull;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A source's body for engine tests, as an HTTP response delivers one: handed over paused, then chunks of 64 KiB on
 * its context for as long as it is not paused, then its end. A gated source sends nothing until {@link #open()};
 * a closed one sends nothing more.
 */
final class TestSource implements ReadStream<Buffer> {
    private static final int CHUNK = 64 * 1024;
    private static final Buffer ZEROS = Buffer.buffer(new byte[CHUNK]);

    private final Context context;
    private final Buffer bytes;
    private final long size;
    private long sent;
    private boolean open;
    private boolean paused = true;
    private boolean scheduled;
    volatile boolean closed;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;

    private TestSource(Context context, Buffer bytes, long size, boolean open) {
        this.context = context;
        this.bytes = bytes;
        this.size = size;
        this.open = open;
    }

    /** {@code size} zero bytes, as fast as they are taken. */
    static TestSource zeros(Context context, long size) {
        return new TestSource(context, null, size, true);
    }

    /** {@code bytes}, once {@link #open()} is called. */
    static TestSource gated(Context context, Buffer bytes) {
        return new TestSource(context, bytes, bytes.length(), false);
    }

    /** Lets a gated source send. Any thread. */
    void open() {
        synchronized (this) {
            open = true;
        }
        schedule();
    }

    /** This source as the fetcher hands it out. */
    PeerFetcher.SourceStream asStream() {
        return new PeerFetcher.SourceStream() {
            @Override
            public ReadStream<Buffer> body() {
                return TestSource.this;
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
        this.handler = h;
        return this;
    }

    @Override
    public synchronized ReadStream<Buffer> pause() {
        paused = true;
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        synchronized (this) {
            paused = false;
        }
        schedule();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        return resume();
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
        this.endHandler = h;
        return this;
    }

    private synchronized void schedule() {
        if (!scheduled) {
            scheduled = true;
            context.runOnContext(v -> emit());
        }
    }

    private void emit() {
        synchronized (this) {
            scheduled = false;
            if (!open) {
                return;
            }
        }
        while (!closed && sent < size) {
            synchronized (this) {
                if (paused) {
                    return;
                }
            }
            int n = (int) Math.min(CHUNK, size - sent);
            Buffer chunk = bytes != null ? bytes.getBuffer((int) sent, (int) sent + n)
                    : n == CHUNK ? ZEROS : ZEROS.getBuffer(0, n);
            sent += n;
            handler.handle(chunk);
        }
        if (!closed && endHandler != null) {
            Handler<Void> end = endHandler;
            endHandler = null;
            end.handle(null);
        }
    }
}
