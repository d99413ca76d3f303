package io.imgfed.replicator.api;

import io.imgfed.protocol.error.ImgapiError;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A request's query string as protocol's parsers take it: each name with all its values, in order. */
public final class QueryParams {
    private QueryParams() {
    }

    public static Map<String, List<String>> of(RoutingContext ctx) {
        MultiMap params;
        try {
            params = ctx.queryParams();
        } catch (IllegalArgumentException | io.vertx.ext.web.handler.HttpException e) {
            // Vert.x reports a bad %-escape as an HttpException(400) caused by Netty's IllegalArgumentException.
            throw ImgapiError.invalidParameter("query", "the query string is not valid URL encoding").toException();
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : params) {
            out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        return out;
    }

    /** A parameter given at most once, or null. */
    public static String single(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw ImgapiError.invalidParameter(name, name + " may be given only once").toException();
        }
        return v.get(0);
    }
}
