package io.imgfed.transfer.billing;

import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns every ended transfer into billing events in the outbox, durably, before the transfer counts as done:
 * one event per source DC that sent bytes (bytes per DC pair are what is billed), or a single event with zero
 * bytes for a transfer that failed before any byte moved. While a transfer runs, the events it would have if it
 * failed now are checkpointed in {@link RunningTransfers}, so that a crash of this daemon does not lose the bytes
 * it moved. Event ids derive from the transfer and the source, so a checkpoint and the end dedupe to one event.
 */
public final class BillingRecorder implements TransferListener {
    static final String INTERRUPTED = "interrupted: the daemon stopped during the transfer";

    private final Outbox outbox;
    private final RunningTransfers running;
    private final Context context;

    public BillingRecorder(Outbox outbox, RunningTransfers running, Context context) {
        this.outbox = outbox;
        this.running = running;
        this.context = context;
    }

    @Override
    public void progress(Transfer t) {
        TransferOutcome now = new TransferOutcome(t.id(), t.request(), t.destDc(), false, t.bytesBySource(), t.source(),
                t.attempts(), t.createdAtMillis(), System.currentTimeMillis(), INTERRUPTED);
        if (now.totalBytes() == 0) {
            return;
        }
        List<byte[]> events = new ArrayList<>();
        for (TransferEvent e : events(now)) {
            events.add(e.toJson());
        }
        running.checkpoint(t.id(), events);
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
                running.forget(outcome.transferId());
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
        // One id per transfer and source: the end of a transfer and a checkpoint of it left by a crash dedupe.
        String id = UUID.nameUUIDFromBytes((o.transferId() + "/" + source).getBytes(StandardCharsets.UTF_8)).toString();
        return new TransferEvent(id, type, o.request().imageUuid(), o.request().owner(),
                o.request().sha1(), bytes, o.request().size(), source, o.destDc(), o.request().reason().wireName(), started,
                finished, o.attempts());
    }
}
