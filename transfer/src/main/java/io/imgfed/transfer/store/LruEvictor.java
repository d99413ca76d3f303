package io.imgfed.transfer.store;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees room by deleting the least recently used blobs that may go: not pinned (files of images homed here,
 * with {@code data.pinHome}) and not leased by a reader. Deleting a blob withdraws its availability through
 * the store's listeners.
 */
public final class LruEvictor {
    private static final Logger LOG = LoggerFactory.getLogger(LruEvictor.class);

    private final BlobStore store;
    private final Predicate<String> keep;
    private final Runnable onEviction;
    private Future<Long> running = Future.succeededFuture(0L);

    /**
     * @param keep true for blobs that must stay (pinned, or being pulled)
     * @param onEviction called once per evicted blob (metrics)
     */
    public LruEvictor(BlobStore store, Predicate<String> keep, Runnable onEviction) {
        this.store = store;
        this.keep = keep;
        this.onEviction = onEviction;
    }

    /** Evicts until at least {@code bytes} are freed or nothing more may go; completes with the bytes freed. */
    public synchronized Future<Long> free(long bytes) {
        // One eviction at a time, so two callers do not both pick the same blobs.
        running = running.transform(ar -> evict(bytes, false));
        return running;
    }

    /**
     * Evicts at least {@code bytes} if that much may go, and nothing otherwise: a write that cannot fit anyway
     * must not cost the cache the files it holds. Completes with the bytes freed.
     */
    public synchronized Future<Long> makeRoom(long bytes) {
        running = running.transform(ar -> evict(bytes, true));
        return running;
    }

    private Future<Long> evict(long bytes, boolean allOrNothing) {
        if (bytes <= 0) {
            return Future.succeededFuture(0L);
        }
        List<BlobStore.BlobInfo> lru = new ArrayList<>(store.list());
        lru.sort(Comparator.comparingLong(BlobStore.BlobInfo::lastAccessMillis));
        List<BlobStore.BlobInfo> candidates = new ArrayList<>();
        long may = 0;
        for (BlobStore.BlobInfo b : lru) {
            if (!keep.test(b.sha1()) && !store.leased(b.sha1())) {
                candidates.add(b);
                may += b.size();
            }
        }
        if (allOrNothing && may < bytes) {
            LOG.info("not evicting: {} bytes needed, only {} may go", bytes, may);
            return Future.succeededFuture(0L);
        }
        long freed = 0;
        for (BlobStore.BlobInfo b : candidates) {
            if (freed >= bytes) {
                break;
            }
            // A reader may have taken a lease since the list was made: then the blob stays and the next one goes.
            if (store.evict(b.sha1())) {
                LOG.info("evicting {} ({} bytes, last used {} ms ago) to make room", b.sha1(), b.size(),
                        System.currentTimeMillis() - b.lastAccessMillis());
                freed += b.size();
                onEviction.run();
            }
        }
        return Future.succeededFuture(freed);
    }
}
