package io.imgfed.transfer.billing;

import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing events the outbox could not take (its disk full, read-only or failing), kept in memory and offered to
 * the outbox again until it takes them, oldest first. While any wait here, or right after the outbox refused an
 * append, no new cross-DC pull may start: {@link #refusal()} says why, for the 503 a requester gets and for
 * {@code /readyz}. Pulls already running finish, and their events join the queue.
 *
 * <p>Held events are lost if the process dies before the outbox takes them; that is why new pulls stop.
 */
public final class HeldEvents {
    private static final Logger LOG = LoggerFactory.getLogger(HeldEvents.class);
    private static final long RETRY_MIN_MILLIS = 500;
    private static final long RETRY_MAX_MILLIS = 10_000;
    /** What a refused requester is told to wait, in seconds. */
    static final int RETRY_AFTER_SECONDS = 10;

    private record Held(List<Outbox.Event> events, String transferId) {
    }

    private final Vertx vertx;
    private final Outbox outbox;
    private final Deque<Held> queue = new ArrayDeque<>();
    private String lastError;
    private long retryMillis = RETRY_MIN_MILLIS;
    private boolean retrying;

    public HeldEvents(Vertx vertx, Outbox outbox) {
        this.vertx = vertx;
        this.outbox = outbox;
    }

    /** Keeps events the outbox refused; retries in the background. */
    public synchronized void hold(List<Outbox.Event> events, String transferId, Throwable why) {
        queue.add(new Held(events, transferId));
        if (lastError == null) {
            LOG.error("billing outbox cannot take events ({}); {} held in memory, no new pull starts until it can",
                    why.getMessage(), events.size());
        }
        lastError = why.getMessage();
        scheduleRetry();
    }

    /** Events waiting in memory. */
    public synchronized int count() {
        int n = 0;
        for (Held h : queue) {
            n += h.events().size();
        }
        return n;
    }

    /** Why new pulls are refused now, or null when they may start. */
    public synchronized String refusal() {
        if (queue.isEmpty()) {
            return null;
        }
        return "the billing outbox cannot take events (" + lastError + "); " + count()
                + " billing event(s) wait in memory, so no new transfer into this DC starts until it can";
    }

    public int retryAfterSeconds() {
        return RETRY_AFTER_SECONDS;
    }

    private void scheduleRetry() {
        if (retrying) {
            return;
        }
        retrying = true;
        vertx.setTimer(retryMillis, id -> retry());
    }

    private void retry() {
        Held next;
        synchronized (this) {
            retrying = false;
            next = queue.peek();
            if (next == null) {
                return;
            }
        }
        outbox.append(next.events(), next.transferId()).whenComplete((v, err) -> {
            synchronized (this) {
                if (err == null) {
                    queue.poll();
                    retryMillis = RETRY_MIN_MILLIS;
                    if (queue.isEmpty()) {
                        LOG.info("billing outbox takes events again; every held event is in it");
                        lastError = null;
                        return;
                    }
                } else {
                    lastError = err.getMessage();
                    retryMillis = Math.min(RETRY_MAX_MILLIS, retryMillis * 2);
                }
                scheduleRetry();
            }
        });
    }
}
