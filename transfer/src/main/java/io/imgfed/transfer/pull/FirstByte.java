package io.imgfed.transfer.pull;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;

/**
 * Waits until the byte a reader asks for first is verified (or the transfer is complete), so an answer's head
 * goes out only once its first byte can follow, and never for bytes that fail their check. Each front turns the
 * two ways this ends early into its own error: {@link TimedOut}, {@link TransferFailed}.
 */
public final class FirstByte {
    /** The byte was not verified within the timeout; the transfer goes on. */
    public static final class TimedOut extends Exception {
        private final Duration timeout;

        TimedOut(Duration timeout) {
            super("the bytes asked for were not verified within " + timeout.toSeconds() + " s", null, false, false);
            this.timeout = timeout;
        }

        public Duration timeout() {
            return timeout;
        }
    }

    /** The transfer failed before the byte was verified. */
    public static final class TransferFailed extends Exception {
        private final Transfer transfer;

        TransferFailed(Transfer transfer) {
            super("the transfer failed: " + transfer.error(), null, false, false);
            this.transfer = transfer;
        }

        public Transfer transfer() {
            return transfer;
        }
    }

    private FirstByte() {
    }

    /** Completes on {@code context} once byte {@code from} of {@code t} is verified. */
    public static Future<Void> await(Transfer t, Context context, long from, Duration timeout) {
        Promise<Void> p = Promise.promise();
        long timer = context.owner().setTimer(timeout.toMillis(), id -> p.tryFail(new TimedOut(timeout)));
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (p.future().isComplete()) {
                return;
            }
            if (t.state() == Transfer.State.FAILED) {
                p.tryFail(new TransferFailed(t));
            } else if (t.verified() > from || t.state() == Transfer.State.COMPLETED) {
                p.tryComplete();
            } else {
                t.wakeOnChange(context, check[0]);
            }
        };
        check[0].run();
        return p.future().onComplete(ar -> context.owner().cancelTimer(timer));
    }
}
