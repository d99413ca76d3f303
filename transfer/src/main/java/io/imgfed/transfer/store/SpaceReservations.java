package io.imgfed.transfer.store;

import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the bytes in the store plus the bytes promised to uploads and pulls in progress within
 * {@code data.capacity}, so two large writes cannot both start on room that only one of them can have.
 */
public class SpaceReservations {

    private final BlobStore store;
    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    public SpaceReservations(BlobStore store, long capacity) {
        this.store = store;
        this.capacity = capacity;
    }

    /** Bytes promised to writes in progress. */
    public long reservedBytes() {
        return reserved.get();
    }

    public long capacity() {
        return capacity;
    }

    /** Reserves room for a write of {@code bytes}; fails with {@link StoreFullException} when there is none. */
    public Future<Reservation> reserve(long bytes) {
        long total = reserved.addAndGet(bytes);
        if (store.usedBytes() + total > capacity) {
            reserved.addAndGet(-bytes);
            return Future.failedFuture(new StoreFullException("storing " + bytes + " more bytes would exceed data.capacity ("
                    + capacity + " bytes, " + store.usedBytes() + " used)", null));
        }
        return Future.succeededFuture(new Reservation(this, bytes));
    }

    /** Room held for one write; released when the write ends, committed or not. */
    public static final class Reservation {
        private final SpaceReservations owner;
        private final long bytes;
        private boolean released;

        Reservation(SpaceReservations owner, long bytes) {
            this.owner = owner;
            this.bytes = bytes;
        }

        public synchronized void release() {
            if (!released) {
                released = true;
                owner.reserved.addAndGet(-bytes);
            }
        }
    }
}
