package io.imgfed.transfer.store;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.Executor;

/**
 * Hashes a few MiB with each digest once, in the background, when the store opens. The JIT compiles the digests'
 * intrinsics (SHA-NI, AVX) only after enough work, so without this the first pulls and uploads after a start hash
 * at a fraction of the CPU's speed and the compiler competes with them for the cores.
 */
final class DigestWarmup {
    /** 16 MiB per digest: far past the invocation counts at which C2 compiles a digest's block loop. */
    private static final int ROUNDS = 128;
    private static final int CHUNK = 64 * 1024;

    private DigestWarmup() {
    }

    static void start(Executor pool) {
        for (DigestKind kind : new DigestKind[] {DigestKind.SHA256, DigestKind.SHA1, DigestKind.MD5}) {
            pool.execute(() -> warm(kind));
        }
    }

    private static void warm(DigestKind kind) {
        MessageDigest md = kind.newDigest();
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        byte[] heap = new byte[CHUNK];
        for (int i = 0; i < ROUNDS; i++) {
            chunk.clear();
            md.update(chunk);
            md.update(heap);
        }
        md.digest();
    }
}
