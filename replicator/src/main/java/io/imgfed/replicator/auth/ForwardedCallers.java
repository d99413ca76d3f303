package io.imgfed.replicator.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;

/**
 * The caller of a mutation forwarded by another DC, as that DC authenticated it, carried in the
 * {@code X-Imgfed-Caller} header of a peer request. Only the peer listener reads it: that listener is
 * reachable by DCs alone (mutual TLS in production).
 */
public final class ForwardedCallers implements CallerResolver {
    public static final String HEADER = "X-Imgfed-Caller";

    public static String encode(Caller c) {
        ObjectNode o = Json.object();
        if (c.user() != null) {
            o.put("user", c.user());
        }
        if (c.account() != null) {
            o.put("account", c.account());
        }
        o.put("operator", c.operator());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(o));
    }

    @Override
    public Caller resolve(RoutingContext ctx) {
        String h = ctx.request().getHeader(HEADER);
        if (h == null) {
            throw new ImgapiError(ErrorCode.UNAUTHORIZED, "a forwarded request must say whom it acts for").toException();
        }
        try {
            JsonNode o = Json.tree(Base64.getUrlDecoder().decode(h));
            String account = o.path("account").asText(null);
            if (account != null && !ManifestValidator.UUID.matcher(account).matches()) {
                throw new IllegalArgumentException("bad account");
            }
            return new Caller(o.path("user").asText(null), account, o.path("operator").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw ImgapiError.withField(ErrorCode.INVALID_HEADER, HEADER, "malformed " + HEADER + " header").toException();
        }
    }
}
