package io.imgfed.transfer.billing;

import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns every ended transfer into billing events in the outbox, durably, before the transfer counts as done:
 * one event per source DC that sent bytes (bytes per DC pair are what is billed), or a single event with zero
 * bytes for a transfer that failed before any byte moved.
 */
public final class BillingRecorder implements TransferListener {
    private final Outbox outbox;
    private final Context context;

    public BillingRecorder(Outbox outbox, Context context) {
        this.outbox = outbox;
        this.context = context;
    }

    @Override
    public Future<Void> recording(TransferOutcome outcome) {
        List<byte[]> events = new ArrayList<>();
        for (TransferEvent e : events(outcome)) {
            events.add(e.toJson());
        }
        Promise<Void> p = Promise.promise();
        outbox.append(events).whenComplete((seqs, err) -> context.runOnContext(v -> {
            if (err == null) {
                p.complete();
            } else {
                p.fail(err);
            }
        }));
        return p.future();
    }

    static List<TransferEvent> events(TransferOutcome o) {
        TransferEvent.Type type = o.completed() ? TransferEvent.Type.COMPLETED : TransferEvent.Type.FAILED;
        Instant started = Instant.ofEpochMilli(o.startedAtMillis());
        Instant finished = Instant.ofEpochMilli(o.finishedAtMillis());
        List<TransferEvent> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : o.bytesBySource().entrySet()) {
            if (e.getValue() > 0) {
                out.add(event(o, type, e.getKey(), e.getValue(), started, finished));
            }
        }
        if (out.isEmpty()) {
            out.add(event(o, type, o.lastSource(), 0, started, finished));
        }
        return out;
    }

    private static TransferEvent event(TransferOutcome o, TransferEvent.Type type, String source, long bytes,
            Instant started, Instant finished) {
        return new TransferEvent(UUID.randomUUID().toString(), type, o.request().imageUuid(), o.request().owner(),
                o.request().sha1(), bytes, o.request().size(), source, o.destDc(), o.request().reason().wireName(), started,
                finished, o.attempts());
    }
}
