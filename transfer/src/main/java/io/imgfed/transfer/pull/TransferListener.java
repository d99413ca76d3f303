package io.imgfed.transfer.pull;

import io.vertx.core.Future;

/** Observes transfers: availability, metrics and billing hang off these calls. All run on the engine's context. */
public interface TransferListener {

    default void started(Transfer t) {
    }

    /** More bytes arrived (at most a few times a second per transfer). */
    default void progress(Transfer t) {
    }

    /**
     * Makes the outcome durable before the transfer counts as done: the file is committed (or the failure
     * reported) only after this future succeeds. Billing appends its event here.
     */
    default Future<Void> recording(TransferOutcome outcome) {
        return Future.succeededFuture();
    }

    default void finished(Transfer t, TransferOutcome outcome) {
    }

    /** The daemon stops while the transfer runs; it is taken up again at the next start. */
    default void stopping(Transfer t) {
    }

    /** Combines listeners; {@link #recording} futures all have to succeed. */
    static TransferListener all(java.util.List<TransferListener> listeners) {
        return new TransferListener() {
            @Override
            public void started(Transfer t) {
                listeners.forEach(l -> l.started(t));
            }

            @Override
            public void progress(Transfer t) {
                listeners.forEach(l -> l.progress(t));
            }

            @Override
            public Future<Void> recording(TransferOutcome outcome) {
                return Future.all(listeners.stream().map(l -> l.recording(outcome)).toList()).mapEmpty();
            }

            @Override
            public void finished(Transfer t, TransferOutcome outcome) {
                listeners.forEach(l -> l.finished(t, outcome));
            }

            @Override
            public void stopping(Transfer t) {
                listeners.forEach(l -> l.stopping(t));
            }
        };
    }
}
