package io.imgfed.transfer.pull;

import io.vertx.core.Future;
import java.nio.channels.FileChannel;

/**
 * Where a reader sends the bytes of a file: a requester's connection. An HTTP/1.1 connection takes them by
 * zero-copy file transfer ({@code sendfile}), the kernel copying from the page cache to the socket; any other
 * takes buffers read from the file. Called on the reader's context, one send at a time.
 */
@FunctionalInterface
public interface FileSink {

    /** Sends {@code length} bytes of {@code file} from {@code offset}; completes once they are handed to the network. */
    Future<Void> send(FileChannel file, long offset, long length);
}
