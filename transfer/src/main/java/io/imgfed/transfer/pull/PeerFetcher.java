package io.imgfed.transfer.pull;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Reaches the files of other DCs: a file from a byte offset on (HTTP Range against the source's peer listener),
 * and a file's piece list. Futures complete on the caller's context; a source that does not hold the file, or
 * answers anything but what was asked, fails the future.
 */
public interface PeerFetcher {

    /** A source's bytes from the requested offset to the end; {@link #close()} drops the connection. */
    interface SourceStream {
        /** Handed over paused, so no byte arrives before the caller's handlers exist. */
        ReadStream<Buffer> body();

        /**
         * Gives back a chunk of {@link #body()} once its bytes are written and hashed: a stream may hand out pooled
         * memory, which is leaked if not given back and overwritten if given back early.
         */
        default void release(Buffer chunk) {
        }

        void close();
    }

    Future<SourceStream> open(SourceCandidate source, String sha1, long offset, long size, String requestId);

    /** The source's piece list of a file cut at {@code pieceSize}: 32-byte sha256 digests, concatenated. */
    Future<Buffer> pieces(SourceCandidate source, String sha1, int pieceSize, String requestId);
}
