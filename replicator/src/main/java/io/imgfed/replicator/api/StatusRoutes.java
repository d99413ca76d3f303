package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.federation.Federation;
import io.imgfed.federation.liveness.DcView;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.Version;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.billing.Billing;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.replicator.images.Timestamps;
import io.imgfed.transfer.pull.TransferEngine;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The status page ({@code GET /}, plain HTML, CSS and a little JavaScript, no build step) and the one JSON
 * snapshot it polls ({@code GET /status.json}): the federation's DCs, an availability matrix of the newest
 * images, transfers in flight, store usage and the billing backlog.
 */
public final class StatusRoutes {
    private static final int MATRIX_IMAGES = 50;
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "status.css", "text/css; charset=utf-8",
            "status.js", "text/javascript; charset=utf-8");

    private final Federation federation;
    private final Catalog catalog;
    private final BlobStore store;
    private final SpaceReservations space;
    private final TransferEngine engine;
    private final Billing billing;
    private final CallerResolver callers;
    private final TransferRoutes transfers;

    public StatusRoutes(Federation federation, Catalog catalog, BlobStore store, SpaceReservations space,
            TransferEngine engine, Billing billing, CallerResolver callers, TransferRoutes transfers) {
        this.federation = federation;
        this.catalog = catalog;
        this.store = store;
        this.space = space;
        this.engine = engine;
        this.billing = billing;
        this.callers = callers;
        this.transfers = transfers;
    }

    public void mount(Router router) {
        router.get("/").handler(ctx -> asset(ctx, "index.html"));
        router.get("/status/:file").handler(ctx -> asset(ctx, ctx.pathParam("file")));
        router.get("/status.json").handler(this::snapshot);
    }

    private static void asset(RoutingContext ctx, String name) {
        String type = ASSETS.get(name);
        if (type == null) {
            ctx.next();
            return;
        }
        try (InputStream in = StatusRoutes.class.getResourceAsStream("/io/imgfed/replicator/status/" + name)) {
            if (in == null) {
                ctx.next();
                return;
            }
            ctx.response().putHeader("Content-Type", type).putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'")
                    .end(Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void snapshot(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        ObjectNode o = Json.object();
        String self = federation.settings().dc();
        o.put("dc", self);
        o.put("version", Version.get());
        o.put("time", Timestamps.format(Instant.now()));
        List<DcView> dcs = federation.directory().dcs();
        ArrayNode dcArr = o.putArray("dcs");
        for (DcView v : dcs) {
            ObjectNode d = dcArr.addObject();
            d.put("name", v.dc());
            d.put("status", v.status().wireName());
            d.put("peer", v.peer());
            d.put("last_seen", Timestamps.format(Instant.ofEpochMilli(v.lastSeenMillis())));
            d.put("images", v.imagesHomed());
            d.put("files", v.filesHeld());
            d.put("bytes", v.bytesHeld());
            d.put("self", v.self());
        }
        ObjectNode st = o.putObject("store");
        st.put("bytes", store.usedBytes());
        st.put("reserved", space.reservedBytes());
        st.put("capacity", space.capacity());
        st.put("files", store.count());
        ObjectNode b = o.putObject("billing");
        b.put("pending", billing.outbox().pendingCount());
        b.put("bytes", billing.outbox().pendingBytes());
        b.put("alarm", billing.alarmed());
        b.put("kafka", billing.kafkaConfigured());
        o.set("transfers", caller.operator() ? transfers.describeAll() : Json.array());
        ArrayNode images = o.putArray("images");
        List<Manifest> visible = new ArrayList<>();
        for (Manifest m : catalog.all()) {
            if (m.visibleTo(caller.account()) && m.hasFile()) {
                visible.add(m);
            }
        }
        visible.sort(Comparator.comparing((Manifest m) -> m.publishedAt() == null ? "~" : m.publishedAt()).reversed()
                .thenComparing(Manifest::uuid));
        for (Manifest m : visible.subList(0, Math.min(MATRIX_IMAGES, visible.size()))) {
            ObjectNode i = images.addObject();
            i.put("uuid", m.uuid());
            i.put("name", m.name());
            i.put("version", m.version());
            i.put("home", m.homeDc());
            i.put("size", m.file().size());
            ObjectNode per = i.putObject("dcs");
            Map<String, AvailabilityRecord> holders = federation.availability().holders(m.fileSha1());
            for (DcView v : dcs) {
                AvailabilityRecord r = holders.get(v.dc());
                ObjectNode s = per.putObject(v.dc());
                FileState state = r == null ? FileState.ABSENT : r.state();
                s.put("state", state.wireName());
                if (state == FileState.PULLING) {
                    s.put("progress", r.progress());
                }
            }
        }
        o.put("images_total", visible.size());
        JsonResponses.send(ctx.response(), 200, o);
    }
}
