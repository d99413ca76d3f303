package io.imgfed.transfer.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Shared helpers: waiting with a deadline, running on a context, independent digests. */
final class StoreTesting {
    static final long TIMEOUT_SECONDS = 30;

    private StoreTesting() {
    }

    /** The future's value, or its failure thrown; fails the test after {@value #TIMEOUT_SECONDS} s. */
    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** The failure of a future that must fail within the deadline. */
    static Throwable awaitFailure(Future<?> f) throws Exception {
        try {
            Object value = f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
            return fail("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Runs {@code work} on {@code ctx} and gives its result. */
    static <T> Future<T> onContext(Context ctx, Supplier<Future<T>> work) {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> {
            try {
                work.get().onComplete(p);
            } catch (Throwable t) {
                p.fail(t);
            }
        });
        return p.future();
    }

    /** Writes the chunks in order on the writer's context, then finishes it. */
    static BlobDigest writeAndFinish(Context ctx, BlobWriter w, List<byte[]> chunks) throws Exception {
        return await(onContext(ctx, () -> {
            List<Future<Void>> writes = new ArrayList<>();
            for (byte[] c : chunks) {
                writes.add(w.write(Buffer.buffer(c)));
            }
            return Future.all(writes).compose(v -> w.finish());
        }));
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] concat(List<byte[]> chunks) {
        int n = chunks.stream().mapToInt(c -> c.length).sum();
        ByteBuffer bb = ByteBuffer.allocate(n);
        chunks.forEach(bb::put);
        return bb.array();
    }

    static byte[] readAll(FileChannel ch) throws Exception {
        ByteBuffer bb = ByteBuffer.allocate(Math.toIntExact(ch.size()));
        long pos = 0;
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        return bb.array();
    }

    /** Digests computed with plain {@link MessageDigest}, independently of the code under test. */
    static final class Hasher {
        private final MessageDigest sha1 = md("SHA-1");
        private final MessageDigest md5 = md("MD5");
        private final MessageDigest sha256 = md("SHA-256");
        private long size;

        Hasher update(byte[] b, int off, int len) {
            sha1.update(b, off, len);
            md5.update(b, off, len);
            sha256.update(b, off, len);
            size += len;
            return this;
        }

        Hasher update(byte[] b) {
            return update(b, 0, b.length);
        }

        static BlobDigest of(byte[]... chunks) {
            Hasher h = new Hasher();
            for (byte[] c : chunks) {
                h.update(c);
            }
            return h.digest();
        }

        BlobDigest digest() {
            return new BlobDigest(size, HexFormat.of().formatHex(sha1.digest()),
                    Base64.getEncoder().encodeToString(md5.digest()), HexFormat.of().formatHex(sha256.digest()));
        }

        private static MessageDigest md(String alg) {
            try {
                return MessageDigest.getInstance(alg);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Asserts the requested digests equal the expected ones and the others are null. */
    static void assertDigests(BlobDigest expected, BlobDigest actual, java.util.Set<DigestKind> kinds) {
        assertEquals(expected.size(), actual.size(), "size");
        assertEquals(kinds.contains(DigestKind.SHA1) ? expected.sha1() : null, actual.sha1(), "sha1");
        assertEquals(kinds.contains(DigestKind.MD5) ? expected.md5() : null, actual.md5(), "md5");
        assertEquals(kinds.contains(DigestKind.SHA256) ? expected.sha256() : null, actual.sha256(), "sha256");
    }
}
