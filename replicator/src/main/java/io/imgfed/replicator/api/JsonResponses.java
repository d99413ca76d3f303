package io.imgfed.replicator.api;

import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** Writes JSON answers: one manifest, a page of manifests (concatenated from their cached bytes), any value. */
public final class JsonResponses {
    private JsonResponses() {
    }

    public static void send(HttpServerResponse response, int status, Object value) {
        send(response, status, Buffer.buffer(Json.bytes(value)));
    }

    public static void send(HttpServerResponse response, int status, Buffer body) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    public static void manifest(HttpServerResponse response, int status, Manifest m) {
        send(response, status, Buffer.buffer(m.toJsonBytes()));
    }

    /** A page of manifests as one JSON array, built in a single exactly-sized array from their cached bytes. */
    public static void manifests(HttpServerResponse response, List<Manifest> page) {
        int size = 2 + Math.max(0, page.size() - 1);
        for (Manifest m : page) {
            size += m.jsonLength();
        }
        byte[] out = new byte[size];
        int at = 0;
        out[at++] = '[';
        for (int i = 0; i < page.size(); i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            at += page.get(i).copyJson(out, at);
        }
        out[at] = ']';
        send(response, 200, Buffer.buffer(out));
    }
}
