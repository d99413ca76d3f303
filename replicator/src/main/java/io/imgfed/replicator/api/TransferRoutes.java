package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.images.Timestamps;
import io.imgfed.transfer.pull.Transfer;
import io.imgfed.transfer.pull.TransferEngine;
import io.vertx.ext.web.Router;
import java.time.Instant;

/** {@code GET /transfers} (operators: it spans every tenant): pulls into this DC in flight and recently ended. */
public final class TransferRoutes {
    private final TransferEngine engine;
    private final CallerResolver callers;
    /** Rows of other movers (the OCI mirror's upstream fetches), shaped like the engine's with a {@code kind}. */
    private final java.util.function.Supplier<ArrayNode> more;

    public TransferRoutes(TransferEngine engine, CallerResolver callers) {
        this(engine, callers, Json::array);
    }

    public TransferRoutes(TransferEngine engine, CallerResolver callers, java.util.function.Supplier<ArrayNode> more) {
        this.engine = engine;
        this.callers = callers;
        this.more = more;
    }

    public void mount(Router router) {
        router.get("/transfers").handler(ctx -> {
            if (!callers.resolve(ctx).operator()) {
                throw new ImgapiError(ErrorCode.OPERATOR_ONLY, "transfers are visible to operators only").toException();
            }
            JsonResponses.send(ctx.response(), 200, describeAll());
        });
    }

    public ArrayNode describeAll() {
        ArrayNode out = Json.array();
        for (Transfer t : engine.snapshot()) {
            out.add(describe(t));
        }
        out.addAll(more.get());
        return out;
    }

    public static ObjectNode describe(Transfer t) {
        ObjectNode o = Json.object();
        o.put("kind", "transfer");
        o.put("id", t.id());
        o.put("image", t.request().imageUuid());
        o.put("digest", "sha1:" + t.sha1());
        o.put("source", t.source());
        o.put("dest", t.destDc());
        o.put("bytes", t.received());
        o.put("verified", t.verified());
        o.put("moved", t.bytesMoved());
        o.put("size", t.size());
        o.put("progress", t.size() == 0 ? 1.0 : Math.min(1.0, (double) t.received() / t.size()));
        o.put("rate", t.state().finished() ? 0 : t.rateBytesPerSecond());
        o.put("waiters", t.readers());
        o.put("attempts", t.attempts());
        o.put("state", t.state().wireName());
        o.put("reason", t.request().reason().wireName());
        o.put("started_at", Timestamps.format(Instant.ofEpochMilli(t.createdAtMillis())));
        if (t.finishedAtMillis() > 0) {
            o.put("finished_at", Timestamps.format(Instant.ofEpochMilli(t.finishedAtMillis())));
        }
        if (t.error() != null) {
            o.put("error", t.error());
        }
        if (t.nextAttemptAtMillis() > 0) {
            o.put("next_attempt_at", Timestamps.format(Instant.ofEpochMilli(t.nextAttemptAtMillis())));
        }
        return o;
    }
}
