package io.imgfed.replicator.api;

import io.imgfed.transfer.pull.FileSink;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.VertxConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Sends a file's bytes into an HTTP answer whose head carries the Content-Length, in several sends while the file
 * grows. Vert.x's public {@code sendFile} sends once and ends the answer, so this uses the connection's own file
 * transfer (a Netty file region: {@code sendfile} from the page cache on plain HTTP, chunks through TLS otherwise),
 * which is what that method calls; where the connection is not one (another HTTP version), it reads the bytes and
 * writes them. Either way the head goes out with the first send.
 */
public final class HttpFileSink implements FileSink {
    private static final int CHUNK = 256 * 1024;

    private final HttpServerResponse res;
    private final VertxConnection connection;
    private final BlobStore store;

    private HttpFileSink(HttpServerResponse res, VertxConnection connection, BlobStore store) {
        this.res = res;
        this.connection = connection;
        this.store = store;
    }

    public static FileSink of(HttpServerRequest req, BlobStore store) {
        VertxConnection c = req.connection() instanceof VertxConnection vc ? vc : null;
        return new HttpFileSink(req.response(), c, store);
    }

    @Override
    public Future<Void> send(FileChannel file, long offset, long length) {
        Future<Void> head = res.headWritten() ? Future.succeededFuture() : res.writeHead();
        if (connection == null) {
            return head.compose(v -> copy(file, offset, length));
        }
        Promise<Void> sent = Promise.promise();
        connection.sendFile(file, offset, length).addListener(f -> {
            if (f.isSuccess()) {
                sent.tryComplete();
            } else {
                sent.tryFail(f.cause());
            }
        });
        return sent.future();
    }

    private Future<Void> copy(FileChannel file, long offset, long length) {
        if (length <= 0) {
            return Future.succeededFuture();
        }
        int n = (int) Math.min(CHUNK, length);
        return store.blocking(() -> {
            ByteBuffer bb = ByteBuffer.allocate(n);
            while (bb.hasRemaining()) {
                if (file.read(bb, offset + bb.position()) < 0) {
                    throw new java.io.IOException("file ended early at " + (offset + bb.position()));
                }
            }
            return Buffer.buffer(bb.array());
        }).compose(buf -> {
            Future<Void> written = res.write(buf);
            Promise<Void> ready = Promise.promise();
            if (res.writeQueueFull()) {
                res.drainHandler(v -> ready.tryComplete());
            } else {
                ready.complete();
            }
            return Future.all(written, ready.future()).compose(v -> copy(file, offset + n, length - n));
        });
    }
}
