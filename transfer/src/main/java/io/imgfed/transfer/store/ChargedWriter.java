package io.imgfed.transfer.store;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * A {@link BlobWriter} whose bytes are charged against {@code data.capacity} as they arrive, for a write whose
 * size is not known up front (a chunked upload): the reservation grows a step at a time, and while it grows the
 * stream reports itself full, so the sender is paused instead of writing past what is reserved. When no room can be
 * made, every later write fails with {@link StoreFullException} and nothing is committed.
 *
 * <p>Used on the writer's context only.
 */
public final class ChargedWriter implements WriteStream<Buffer> {
    private final BlobWriter writer;
    private final SpaceReservations space;
    private final SpaceReservations.Reservation reservation;
    private final long step;
    private long charged;
    private boolean extending;
    private Throwable failure;
    private Handler<Void> drainHandler;
    private Handler<Throwable> exceptionHandler;

    public ChargedWriter(BlobWriter writer, SpaceReservations space, SpaceReservations.Reservation reservation, long step) {
        this.writer = writer;
        this.space = space;
        this.reservation = reservation;
        this.step = step;
    }

    /** Why writing stopped for lack of room, or null. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public Future<Void> write(Buffer data) {
        if (failure != null) {
            return Future.failedFuture(failure);
        }
        charged += data.length();
        if (charged > reservation.bytes()) {
            extend();
        }
        return writer.write(data);
    }

    private void extend() {
        if (extending) {
            return;
        }
        extending = true;
        long need = charged - reservation.bytes();
        // A whole step when there is room for it; near data.capacity, just what the bytes so far need.
        space.extend(reservation, Math.max(step, need))
                .recover(e -> need < step ? space.extend(reservation, need) : Future.failedFuture(e))
                .onComplete(ar -> {
            extending = false;
            if (ar.failed()) {
                failure = ar.cause();
                if (exceptionHandler != null) {
                    exceptionHandler.handle(failure);
                }
                // A sender paused for room must hear of it: its next write fails, and so does its pipe.
                Handler<Void> drain = drainHandler;
                drainHandler = null;
                if (drain != null) {
                    drain.handle(null);
                }
                return;
            }
            if (charged > reservation.bytes()) {
                extend();
                return;
            }
            Handler<Void> drain = drainHandler;
            if (drain != null && !writeQueueFull()) {
                drainHandler = null;
                drain.handle(null);
            }
        });
    }

    @Override
    public boolean writeQueueFull() {
        return failure != null || extending || charged > reservation.bytes() || writer.writeQueueFull();
    }

    @Override
    public ChargedWriter drainHandler(Handler<Void> handler) {
        this.drainHandler = handler;
        if (handler == null) {
            return this;
        }
        if (failure != null) {
            // Refused already (the extension may fail before the sender even paused): its next write fails.
            this.drainHandler = null;
            handler.handle(null);
        } else if (!extending && charged <= reservation.bytes()) {
            // Only the writer's own queue is full: its drain signal is ours.
            writer.drainHandler(v -> {
                Handler<Void> h = drainHandler;
                if (h != null && !writeQueueFull()) {
                    drainHandler = null;
                    h.handle(null);
                }
            });
        }
        return this;
    }

    @Override
    public ChargedWriter exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        writer.exceptionHandler(handler);
        return this;
    }

    @Override
    public ChargedWriter setWriteQueueMaxSize(int maxSize) {
        writer.setWriteQueueMaxSize(maxSize);
        return this;
    }

    @Override
    public Future<Void> end() {
        return failure != null ? Future.failedFuture(failure) : writer.end();
    }
}
