package io.imgfed.replicator.auth;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * IMGAPI's "datacenter mode": no HTTP auth, every caller is trusted, and {@code ?account=} only decides
 * which images the request sees. Used with {@code auth.mode: none}, which binds to loopback unless forced.
 */
public final class DatacenterCallers implements CallerResolver {
    @Override
    public Caller resolve(RoutingContext ctx) {
        List<String> accounts;
        try {
            accounts = ctx.queryParam("account");
        } catch (RuntimeException e) {
            // Vert.x decodes the whole query string here; bad percent-encoding is the client's mistake.
            throw ImgapiError.invalidParameter("query", "the query string is not valid URL encoding").toException();
        }
        if (accounts.size() > 1) {
            throw ImgapiError.invalidParameter("account", "account may be given only once").toException();
        }
        String account = accounts.isEmpty() ? null : accounts.get(0);
        if (account != null && !ManifestValidator.UUID.matcher(account).matches()) {
            throw ImgapiError.invalidParameter("account", "account must be a lowercase uuid").toException();
        }
        return Caller.datacenter(account);
    }
}
