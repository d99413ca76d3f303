package io.imgfed.transfer.store;

import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * Keeps the bytes in the store plus the bytes promised to uploads and pulls in progress within
 * {@code data.capacity}, and the bytes promised within what the disk under the store can still take: two large
 * writes cannot both start on room only one of them can have, and a write that cannot fit on the disk is
 * refused before its first byte rather than failing half-way. When room is short it asks the evictor to free
 * some before refusing.
 *
 * <p>The disk check counts every promise in full, also the part a write in progress has already put on the
 * disk, so near a full disk it refuses on the safe side.
 */
public class SpaceReservations {

    private final BlobStore store;
    private final long capacity;
    private final LongFunction<Future<Long>> evict;
    private final LongSupplier diskFree;
    private final AtomicLong reserved = new AtomicLong();

    /**
     * @param evict frees at least the given number of bytes if it can (and then nothing, as there is no point);
     *     completes with the bytes freed
     */
    public SpaceReservations(BlobStore store, long capacity, LongFunction<Future<Long>> evict) {
        this(store, capacity, evict, store::usableDiskBytes);
    }

    /** @param diskFree bytes the disk under the store can still take */
    public SpaceReservations(BlobStore store, long capacity, LongFunction<Future<Long>> evict, LongSupplier diskFree) {
        this.store = store;
        this.capacity = capacity;
        this.evict = evict;
        this.diskFree = diskFree;
    }

    public SpaceReservations(BlobStore store, long capacity) {
        this(store, capacity, bytes -> Future.succeededFuture(0L));
    }

    /** Bytes promised to writes in progress. */
    public long reservedBytes() {
        return reserved.get();
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes that would have to go before {@code bytes} more fit (capacity and disk); zero or less when they fit now. */
    public long shortfall(long bytes) {
        long overCapacity = store.usedBytes() + reserved.get() + bytes - capacity;
        long overDisk = reserved.get() + bytes - diskFree.getAsLong();
        return Math.max(overCapacity, overDisk);
    }

    /**
     * Reserves room for a write of {@code bytes}, evicting least recently used files if needed; fails with
     * {@link StoreFullException} when not even eviction makes room.
     */
    public Future<Reservation> reserve(long bytes) {
        if (bytes > capacity) {
            return Future.failedFuture(new StoreFullException(bytes + " bytes exceed data.capacity (" + capacity + " bytes)", null));
        }
        Reservation now = tryReserve(bytes);
        if (now != null) {
            return Future.succeededFuture(now);
        }
        return evict.apply(shortfall(bytes)).compose(freed -> {
            Reservation r = tryReserve(bytes);
            if (r != null) {
                return Future.succeededFuture(r);
            }
            long free = diskFree.getAsLong();
            String why = store.usedBytes() + reserved.get() + bytes > capacity
                    ? "would exceed data.capacity (" + capacity + " bytes, " + store.usedBytes() + " used, "
                            + reserved.get() + " reserved)"
                    : "do not fit on the disk under the store (" + free + " bytes free, " + reserved.get()
                            + " promised to writes in progress)";
            return Future.failedFuture(new StoreFullException("storing " + bytes + " more bytes " + why
                    + " and nothing more can be evicted", null));
        });
    }

    private Reservation tryReserve(long bytes) {
        long total = reserved.addAndGet(bytes);
        if (store.usedBytes() + total > capacity || total > diskFree.getAsLong()) {
            reserved.addAndGet(-bytes);
            return null;
        }
        return new Reservation(this, bytes);
    }

    /**
     * Grows a reservation by {@code more} bytes (a write whose size was not known up front, charged as its bytes
     * arrive), evicting if needed; fails with {@link StoreFullException}, the reservation unchanged, when even
     * eviction cannot make room.
     */
    public Future<Void> extend(Reservation r, long more) {
        return reserve(more).map(extra -> {
            r.absorb(extra);
            return null;
        });
    }

    /** Room held for one write; released when the write ends, committed or not. */
    public static final class Reservation {
        private final SpaceReservations owner;
        private long bytes;
        private boolean released;

        Reservation(SpaceReservations owner, long bytes) {
            this.owner = owner;
            this.bytes = bytes;
        }

        /** Bytes this reservation holds. */
        public synchronized long bytes() {
            return bytes;
        }

        synchronized void absorb(Reservation extra) {
            synchronized (extra) {
                if (released) {
                    extra.release();
                    return;
                }
                bytes += extra.bytes;
                extra.released = true;
            }
        }

        public synchronized void release() {
            if (!released) {
                released = true;
                owner.reserved.addAndGet(-bytes);
            }
        }
    }
}
