package io.imgfed.transfer.pull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The answer to one file request on a connection of its own, read below Vert.x's HTTP client: the body's bytes
 * stay in the direct buffers Netty read them into, from the socket (or the TLS engine) to the partial file's
 * channel and digest, where Vert.x's client would copy every received buffer onto the heap and the file channel
 * copy it back off the heap to write it. Each chunk handed to the body's handler is pooled memory the consumer
 * gives back with {@link #release(Buffer)} once it has been written and hashed.
 *
 * <p>The head is checked before the body is handed over (paused): the expected status and exactly the expected
 * Content-Length. A connection that closes before the last byte fails the body. All of it runs on the
 * connection's event loop, which is the requesting transfer's.
 */
final class PeerFileResponse extends ChannelInboundHandlerAdapter implements PeerFetcher.SourceStream, ReadStream<Buffer> {
    /** Netty decodes a body into chunks of at most this; a socket read is smaller, so a chunk is one read. */
    private static final int MAX_CHUNK = 1024 * 1024;
    /** Decoded chunks held while the consumer is paused, before the socket stops being read. */
    private static final int PENDING_CHUNKS = 4;

    private final ContextInternal context;
    private final Channel channel;
    private final int expectedStatus;
    private final long expectedLength;
    private final String source;
    private final Promise<PeerFetcher.SourceStream> head;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private final Map<Buffer, ByteBuf> handedOut = new IdentityHashMap<>();
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;
    private boolean paused = true;
    private boolean lastSeen;
    private boolean done;
    private long received;

    private PeerFileResponse(ContextInternal context, Channel channel, int expectedStatus, long expectedLength,
            String source) {
        this.context = context;
        this.channel = channel;
        this.expectedStatus = expectedStatus;
        this.expectedLength = expectedLength;
        this.source = source;
        this.head = context.promise();
    }

    /**
     * Puts an HTTP/1.1 codec and the reader on {@code socket}'s pipeline and sends {@code request}; the future
     * completes with the body, paused, once a head with {@code expectedStatus} and exactly {@code expectedLength}
     * bytes arrived, and fails (closing the connection) otherwise.
     */
    static Future<PeerFetcher.SourceStream> exchange(NetSocketInternal socket, ContextInternal context,
            io.netty.handler.codec.http.HttpRequest request, int expectedStatus, long expectedLength, String source) {
        Channel ch = socket.channelHandlerContext().channel();
        PeerFileResponse r = new PeerFileResponse(context, ch, expectedStatus, expectedLength, source);
        var pipeline = ch.pipeline();
        String before = pipeline.get("handler") != null ? "handler" : null;
        HttpClientCodec codec = new HttpClientCodec(new HttpDecoderConfig().setMaxChunkSize(MAX_CHUNK), false, false);
        if (before != null) {
            pipeline.addBefore(before, "imgfed-http", codec);
            pipeline.addBefore(before, "imgfed-file", r);
        } else {
            pipeline.addLast("imgfed-http", codec);
            pipeline.addLast("imgfed-file", r);
        }
        socket.writeMessage(request).onFailure(r::fail);
        return r.head.future();
    }

    // ------------------------------------------------------------------------- Netty side (event loop)

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (done) {
                return;
            }
            if (msg instanceof HttpResponse res) {
                checkHead(res);
            }
            if (msg instanceof HttpContent content && head.future().succeeded()) {
                ByteBuf bytes = content.content();
                if (bytes.isReadable()) {
                    received += bytes.readableBytes();
                    pending.add(bytes.retain());
                }
                if (msg instanceof LastHttpContent) {
                    lastSeen = true;
                }
                drain();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void checkHead(HttpResponse res) {
        String length = res.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        long n;
        try {
            n = length == null ? -1 : Long.parseLong(length);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (res.status().code() != expectedStatus || n != expectedLength) {
            fail(new IllegalStateException("source " + source + " answered " + res.status().code()
                    + " with Content-Length " + length + " where " + expectedStatus + " with " + expectedLength
                    + " bytes was asked"));
            return;
        }
        // Handed over paused: nothing is read until the consumer's handlers exist and it resumes.
        channel.config().setAutoRead(false);
        head.tryComplete(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!done) {
            if (lastSeen) {
                // The server closed after the last byte; the chunks still queued are delivered as the consumer asks.
                channel.eventLoop().execute(this::drain);
            } else {
                fail(new IllegalStateException("source " + source + " closed the connection after " + received
                        + " of " + expectedLength + " bytes"));
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
    }

    private void drain() {
        while (!paused && !done && !pending.isEmpty()) {
            ByteBuf bytes = pending.poll();
            Buffer chunk = BufferInternal.buffer(bytes);
            handedOut.put(chunk, bytes);
            Handler<Buffer> h = handler;
            if (h != null) {
                context.emit(chunk, h);
            } else {
                release(chunk);
            }
        }
        if (!done && lastSeen && pending.isEmpty()) {
            done = true;
            channel.close();
            Handler<Void> end = endHandler;
            if (end != null) {
                context.emit(null, end);
            }
            return;
        }
        if (!done) {
            boolean read = !paused && pending.size() < PENDING_CHUNKS && !lastSeen;
            if (channel.config().isAutoRead() != read) {
                channel.config().setAutoRead(read);
            }
        }
    }

    private void fail(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        dropPending();
        channel.close();
        if (!head.tryFail(cause)) {
            Handler<Throwable> h = exceptionHandler;
            if (h != null) {
                context.emit(cause, h);
            }
        }
    }

    private void dropPending() {
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            b.release();
        }
    }

    private void onLoop(Runnable r) {
        if (channel.eventLoop().inEventLoop()) {
            r.run();
        } else {
            channel.eventLoop().execute(r);
        }
    }

    // ------------------------------------------------------------------------- consumer side

    @Override
    public ReadStream<Buffer> body() {
        return this;
    }

    @Override
    public void release(Buffer chunk) {
        onLoop(() -> {
            ByteBuf b = handedOut.remove(chunk);
            if (b != null) {
                b.release();
            }
        });
    }

    @Override
    public void close() {
        onLoop(() -> {
            if (!done) {
                done = true;
                dropPending();
                head.tryFail(new IllegalStateException("closed before the answer came"));
            }
            channel.close();
        });
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        this.handler = handler;
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        onLoop(() -> {
            paused = true;
            if (!done && channel.config().isAutoRead()) {
                channel.config().setAutoRead(false);
            }
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        onLoop(() -> {
            paused = false;
            drain();
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        return resume();
    }
}
