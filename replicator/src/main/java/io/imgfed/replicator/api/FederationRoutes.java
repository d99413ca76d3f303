package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.federation.Federation;
import io.imgfed.federation.liveness.DcView;
import io.imgfed.federation.topology.SourceChooser;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.replicator.images.Timestamps;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /federation/dcs} and {@code /federation/availability}: the whole federation's view, answered from
 * this DC's local state, never by asking other DCs at request time.
 */
public final class FederationRoutes {
    private static final int MAX_UUIDS = 1000;

    private final Federation federation;
    private final Catalog catalog;
    private final CallerResolver callers;
    private final AvailabilityAnswer answer;

    public FederationRoutes(Federation federation, Catalog catalog, CallerResolver callers, SourceChooser sources) {
        this.federation = federation;
        this.catalog = catalog;
        this.callers = callers;
        this.answer = new AvailabilityAnswer(federation, sources);
    }

    public void mount(Router router) {
        router.get("/federation/dcs").handler(this::dcs);
        router.get("/federation/availability").handler(this::availability);
    }

    private void dcs(RoutingContext ctx) {
        callers.resolve(ctx);
        ArrayNode out = Json.array();
        for (DcView v : federation.directory().dcs()) {
            ObjectNode o = out.addObject();
            o.put("name", v.dc());
            o.put("peer", v.peer());
            o.put("status", v.status().wireName());
            o.put("last_seen", Timestamps.format(Instant.ofEpochMilli(v.lastSeenMillis())));
            o.put("images", v.imagesHomed());
            o.put("files", v.filesHeld());
            o.put("bytes", v.bytesHeld());
            o.put("version", v.version());
            o.put("self", v.self());
        }
        JsonResponses.send(ctx.response(), 200, out);
    }

    private void availability(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        Map<String, List<String>> params = QueryParams.of(ctx);
        List<String> uuids = params.getOrDefault("uuid", List.of());
        String owner = QueryParams.single(params, "owner");
        String name = QueryParams.single(params, "name");
        if (uuids.isEmpty() && owner == null && name == null) {
            throw ImgapiError.invalidParameter(new FieldError("uuid", FieldError.Code.MissingParameter,
                    "give uuid (repeatable), owner or name")).toException();
        }
        if (uuids.size() > MAX_UUIDS) {
            throw ImgapiError.invalidParameter("uuid", "at most " + MAX_UUIDS + " uuids per request").toException();
        }
        List<Manifest> images = new ArrayList<>();
        if (!uuids.isEmpty()) {
            for (String u : uuids) {
                if (!ManifestValidator.UUID.matcher(u).matches()) {
                    throw ImgapiError.invalidParameter("uuid", "uuid must be a lowercase uuid").toException();
                }
                catalog.get(u).filter(m -> m.visibleTo(caller.account())).ifPresent(images::add);
            }
        } else {
            Map<String, List<String>> q = new LinkedHashMap<>();
            q.put("state", List.of("all"));
            if (owner != null) {
                q.put("owner", List.of(owner));
            }
            if (name != null) {
                q.put("name", List.of(name));
            }
            if (caller.account() != null) {
                q.put("account", List.of(caller.account()));
            }
            String limit = QueryParams.single(params, "limit");
            if (limit != null) {
                q.put("limit", List.of(limit));
            }
            images.addAll(catalog.page(ImageQuery.parse(q)));
        }
        JsonResponses.send(ctx.response(), 200, Buffer.buffer(answer.write(images)));
    }
}
