package io.imgfed.transfer.pull;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** Opens a file at another DC from a byte offset on (HTTP Range against its peer listener). */
public interface PeerFetcher {

    /** A source's bytes from the requested offset to the end; {@link #close()} drops the connection. */
    interface SourceStream {
        ReadStream<Buffer> body();

        void close();
    }

    Future<SourceStream> open(SourceCandidate source, String sha1, long offset, long size, String requestId);
}
