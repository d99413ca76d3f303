package io.imgfed.replicator.oci.mirror;

import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.UpstreamRef;
import io.imgfed.replicator.oci.Registry;
import io.imgfed.transfer.store.BlobDigest;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.BlobWriter;
import io.imgfed.transfer.store.ChargedWriter;
import io.imgfed.transfer.store.DigestKind;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Blobs of mirrored repositories that no DC holds: fetched from the upstream once per DC however many clients
 * ask at the same time (they all wait on one fetch), into a temp file of the store, resumed with {@code Range}
 * where the upstream's connection broke, and committed only when the bytes' sha256 is the digest asked. The
 * blob then joins the registry like a pushed one: its sha1 is gossiped and the repository's tags republished
 * with it, so other DCs pull it from this one rather than from the upstream.
 *
 * <p>Nothing is served before the whole blob is verified (an upstream's blob has no signed piece list to check
 * parts against), so a client's first byte comes when the fetch is done; the callers then serve it from the store.
 */
public final class MirroredBlobs {
    static final long MAX_BLOB = 64L << 30;
    private static final long RESERVE_STEP = 16L << 20;
    /** The piece list is computed after the commit (see {@link #commit}), off the clients' wait. */
    private static final Set<DigestKind> DIGESTS = EnumSet.of(DigestKind.SHA1, DigestKind.SHA256);
    /**
     * Attempts in a row that bring no byte before a fetch fails (each resumes where the last stopped; 1 s, 2 s,
     * ... 16 s apart).
     */
    static final int ATTEMPTS = 6;

    private final Vertx vertx;
    private final Registry registry;
    private final BlobStore store;
    private final SpaceReservations space;
    private final Upstreams upstreams;
    private final MirrorCounter counter;
    /** A blob committed for a mirrored repository: republish its tags. */
    private final Consumer<String> committed;
    private final SingleFlight<Registry.BlobRef> inflight = new SingleFlight<>();
    private final Map<String, Fetching> fetching = new ConcurrentHashMap<>();

    /** A blob being fetched from an upstream, for {@code /transfers}. */
    public static final class Fetching {
        public final String upstream;
        public final String repository;
        public final String digest;
        public final long startedAtMillis = System.currentTimeMillis();
        volatile BlobWriter writer;
        volatile long size = -1;

        Fetching(String upstream, String repository, String digest) {
            this.upstream = upstream;
            this.repository = repository;
            this.digest = digest;
        }

        public long bytes() {
            BlobWriter w = writer;
            return w == null ? 0 : w.accepted();
        }

        /** The blob's size once the upstream said it, else -1. */
        public long size() {
            return size;
        }
    }

    public MirroredBlobs(Vertx vertx, Registry registry, BlobStore store, SpaceReservations space, Upstreams upstreams,
            MirrorCounter counter, Consumer<String> committed) {
        this.vertx = vertx;
        this.registry = registry;
        this.store = store;
        this.space = space;
        this.upstreams = upstreams;
        this.counter = counter;
        this.committed = committed;
    }

    /** The blob, known here or in another DC's records; else fetched from the upstream first. */
    public Future<Registry.BlobRef> ensure(UpstreamRef ref, OciDigest digest) {
        var known = registry.blob(digest.toString());
        // A cached blob whose file was evicted is fetched again, like one never seen.
        if (known.isPresent() && !(registry.isMirrored(digest.toString()) && !store.contains(known.get().sha1()))) {
            return Future.succeededFuture(known.get());
        }
        if (!digest.isSha256()) {
            return Future.failedFuture(new OciException(OciErrorCode.UNSUPPORTED, "the mirror fetches sha256 blobs only, "
                    + "not " + digest.algorithm()));
        }
        return inflight.run(digest.toString(), () -> fetch(ref, digest)
                .onComplete(ar -> fetching.remove(digest.toString())));
    }

    /** Blobs being fetched from upstreams now. */
    public java.util.Collection<Fetching> inProgress() {
        return java.util.List.copyOf(fetching.values());
    }

    private Future<Registry.BlobRef> fetch(UpstreamRef ref, OciDigest digest) {
        String id = ref.upstream();
        Duration rest = upstreams.health().resting(id);
        if (!rest.isZero()) {
            return Future.failedFuture(new OciException(OciErrorCode.UNAVAILABLE, "upstream " + id + " failed recently "
                    + "and rests for another " + Math.max(1, rest.toSeconds()) + " s"));
        }
        var context = vertx.getOrCreateContext();
        Promise<Registry.BlobRef> done = Promise.promise();
        Fetching status = new Fetching(id, ref.key(), digest.toString());
        fetching.put(digest.toString(), status);
        context.runOnContext(v -> space.reserve(0).onComplete(reserved -> {
            if (reserved.failed()) {
                done.fail(reserved.cause());
                return;
            }
            SpaceReservations.Reservation reservation = reserved.result();
            store.newWriter(context, DIGESTS, MAX_BLOB).onComplete(w -> {
                if (w.failed()) {
                    reservation.release();
                    done.fail(w.cause());
                    return;
                }
                BlobWriter writer = w.result();
                status.writer = writer;
                ChargedWriter charged = new ChargedWriter(writer, space, reservation, RESERVE_STEP);
                attempt(ref, digest, writer, charged, status, 1)
                        .compose(d -> commit(ref, digest, writer, d))
                        .onComplete(ar -> {
                            reservation.release();
                            if (ar.failed()) {
                                writer.abort();
                            }
                            done.handle(ar);
                        });
            });
        }));
        return done.future();
    }

    /** Fetches from where the writer stands to the end; a broken connection is resumed after a backoff. */
    private Future<BlobDigest> attempt(UpstreamRef ref, OciDigest digest, BlobWriter writer, ChargedWriter charged,
            Fetching status, int n) {
        String id = ref.upstream();
        long offset = writer.accepted();
        return upstreams.client(id).blob(ref.name(), digest.toString(), offset).compose(resp -> {
            if (offset > 0 && resp.statusCode() != 206) {
                resp.request().reset();
                return Future.failedFuture(new UpstreamException(id + " ignored the Range of a resumed blob", false));
            }
            long expected = contentLength(resp);
            status.size = expected < 0 ? -1 : offset + expected;
            if (offset + Math.max(0, expected) > MAX_BLOB) {
                resp.request().reset();
                return Future.failedFuture(new OciException(OciErrorCode.SIZE_INVALID, "the upstream's blob is "
                        + expected + " bytes, over this mirror's limit of " + MAX_BLOB));
            }
            return resp.pipe().endOnSuccess(false).endOnFailure(false).to(charged).compose(x -> {
                long received = writer.accepted() - offset;
                if (expected >= 0 && received != expected) {
                    return Future.failedFuture(new UpstreamException(id + " sent " + received + " of " + expected
                            + " bytes", false));
                }
                return writer.finish();
            });
        }).transform(ar -> {
            counter.fetched(id, "blob", ar.succeeded() ? "ok" : "error", writer.accepted() - offset);
            if (ar.succeeded()) {
                upstreams.health().succeeded(id);
                return Future.succeededFuture(ar.result());
            }
            Throwable err = ar.cause();
            boolean ours = charged.failure() != null || writer.failure() != null;
            if (ours) {
                Throwable cause = charged.failure() != null ? charged.failure() : writer.failure();
                // 503, not 507: containerd tries its next host (the upstream itself) on a 503
                return Future.failedFuture(cause instanceof io.imgfed.transfer.store.StoreFullException
                        || io.imgfed.transfer.store.StoreFullException.isNoSpace(cause)
                        ? new OciException(OciErrorCode.UNAVAILABLE, "no room in this DC's store for " + digest + ": "
                                + cause.getMessage())
                        : cause);
            }
            if (err instanceof UpstreamException u && u.notFound()) {
                upstreams.health().succeeded(id);
                return Future.failedFuture(new OciException(OciErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in "
                        + ref.name() + " at " + id));
            }
            if (err instanceof OciException) {
                return Future.failedFuture(err);
            }
            upstreams.health().failed(String.valueOf(err.getMessage()), id);
            // Nothing fetched yet: the client hears at once (and tries its next host); once bytes are here,
            // the upstream gets a few chances to let the fetch resume where it stopped. An attempt that brought
            // bytes resets the count: a link that keeps breaking but makes progress finishes; one that brings
            // nothing gives up after ATTEMPTS.
            boolean progressed = writer.accepted() > offset;
            if (writer.accepted() == 0 || (!progressed && n >= ATTEMPTS)) {
                return Future.failedFuture(new OciException(OciErrorCode.UNAVAILABLE, "fetching " + digest + " from "
                        + id + " failed: " + err.getMessage()));
            }
            int next = progressed ? 1 : n + 1;
            Promise<BlobDigest> retried = Promise.promise();
            long wait = Math.min(16_000, 1000L << (next - 1));
            vertx.setTimer(wait, t -> attempt(ref, digest, writer, charged, status, next).onComplete(retried));
            return retried.future();
        });
    }

    private Future<Registry.BlobRef> commit(UpstreamRef ref, OciDigest digest, BlobWriter writer, BlobDigest d) {
        if (!digest.encoded().equals(d.sha256())) {
            upstreams.health().failed("sent other bytes for " + digest, ref.upstream());
            return Future.failedFuture(new OciException(OciErrorCode.UNAVAILABLE, "upstream " + ref.upstream()
                    + " sent bytes whose digest is sha256:" + d.sha256() + " for " + digest + "; nothing was stored"));
        }
        return registry.commitBlob(new Registry.BlobRef(digest.toString(), d.sha1(), d.size(),
                d.pieces() == null ? null : d.pieces().summary()), () -> store.commit(writer, d), true)
                .onSuccess(b -> {
                    committed.accept(ref.key());
                    addPieceList(ref, b);
                });
    }

    /**
     * The blob's piece list, computed from the stored file once it is committed and its waiters served: a third
     * hash pass the fetch does not wait for. Once its root is in the tag records, DCs pulling the blob from this
     * one check it piece by piece and serve it as it arrives; before that they check it whole.
     */
    private void addPieceList(UpstreamRef ref, Registry.BlobRef b) {
        if (b.pieces() != null || b.size() == 0) {
            return;
        }
        store.pieces(b.sha1(), io.imgfed.protocol.pieces.PieceList.DEFAULT_PIECE_SIZE)
                .compose(list -> registry.addPieces(b.digest(), list.summary()))
                .onSuccess(x -> committed.accept(ref.key()))
                .onFailure(err -> org.slf4j.LoggerFactory.getLogger(MirroredBlobs.class).info(
                        "no piece list for {} (other DCs check it whole): {}", b.digest(), err.getMessage()));
    }

    private static long contentLength(HttpClientResponse resp) {
        String s = resp.getHeader("Content-Length");
        try {
            return s == null ? -1 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
