package io.imgfed.replicator.auth;

import io.vertx.ext.web.RoutingContext;

/** Decides who a request acts as; throws an ImgapiException (401, 403, 422) when it may not act at all. */
@FunctionalInterface
public interface CallerResolver {
    Caller resolve(RoutingContext ctx);
}
