package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;

/** Liveness, readiness, metrics and IMGAPI's ping. */
public final class OpsRoutes {
    private final String dc;
    private final String version;
    private final Readiness readiness;
    private final PrometheusMeterRegistry registry;

    public OpsRoutes(String dc, String version, Readiness readiness, PrometheusMeterRegistry registry) {
        this.dc = dc;
        this.version = version;
        this.readiness = readiness;
        this.registry = registry;
    }

    public void mount(Router router) {
        router.get("/ping").handler(ctx -> {
            ObjectNode o = Json.object();
            o.put("ping", "pong");
            o.put("version", version);
            o.put("imgapi", true);
            o.put("dc", dc);
            o.put("pid", ProcessHandle.current().pid());
            JsonResponses.send(ctx.response(), 200, o);
        });
        router.get("/healthz").handler(ctx -> {
            ObjectNode o = Json.object();
            o.put("status", "ok");
            o.put("dc", dc);
            JsonResponses.send(ctx.response(), 200, o);
        });
        router.get("/readyz").handler(ctx -> readiness.run().onSuccess(report ->
                JsonResponses.send(ctx.response(), report.ready() ? 200 : 503, report.body())).onFailure(ctx::fail));
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
    }
}
