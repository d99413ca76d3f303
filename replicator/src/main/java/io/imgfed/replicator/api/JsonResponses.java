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

    public static void manifests(HttpServerResponse response, List<Manifest> page) {
        Buffer body = Buffer.buffer(page.size() * 1024 + 2);
        body.appendByte((byte) '[');
        for (int i = 0; i < page.size(); i++) {
            if (i > 0) {
                body.appendByte((byte) ',');
            }
            body.appendBytes(page.get(i).toJsonBytes());
        }
        body.appendByte((byte) ']');
        send(response, 200, body);
    }
}
