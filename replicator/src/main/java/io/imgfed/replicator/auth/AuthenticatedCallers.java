package io.imgfed.replicator.auth;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.replicator.config.ImgfedConfig.AuthMode;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Authenticates client API requests ({@code auth.mode} signature or token) and binds them to an account:
 * a user acts for its own account ({@code ?account=} may only repeat it); operators may act for any account
 * or none. Every failure is 401 (who are you?) or 403 (you may not); neither reveals which part failed
 * beyond what a client needs to fix its request.
 */
public final class AuthenticatedCallers implements CallerResolver {
    private final AuthMode mode;
    private final Users users;
    private final Duration skew;
    private final Clock clock;

    public AuthenticatedCallers(AuthMode mode, Users users, Duration skew, Clock clock) {
        this.mode = mode;
        this.users = users;
        this.skew = skew;
        this.clock = clock;
    }

    @Override
    public Caller resolve(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        Users.User user = mode == AuthMode.TOKEN ? byToken(req) : bySignature(req);
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
        String asked = accounts.isEmpty() ? null : accounts.get(0);
        if (asked != null && !ManifestValidator.UUID.matcher(asked).matches()) {
            throw ImgapiError.invalidParameter("account", "account must be a lowercase uuid").toException();
        }
        if (user.operator()) {
            return new Caller(user.name(), asked, true);
        }
        if (user.account() == null) {
            throw new ImgapiError(ErrorCode.FORBIDDEN, "user " + user.name() + " has no account").toException();
        }
        if (asked != null && !asked.equals(user.account())) {
            throw ImgapiError.withField(ErrorCode.FORBIDDEN, "account", "user " + user.name()
                    + " may only act for its own account").toException();
        }
        return new Caller(user.name(), user.account(), false);
    }

    private Users.User byToken(HttpServerRequest req) {
        String h = req.getHeader("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("a bearer token is required (Authorization: Bearer <token>)");
        }
        Users.User u = users.byToken(h.substring(7).trim());
        if (u == null) {
            throw unauthorized("the token is not valid");
        }
        return u;
    }

    private Users.User bySignature(HttpServerRequest req) {
        HttpSignature sig;
        try {
            sig = HttpSignature.parse(req.getHeader("Authorization"));
        } catch (IllegalArgumentException e) {
            throw ImgapiError.withField(ErrorCode.UNAUTHORIZED, "Authorization", e.getMessage()).toException();
        }
        if (sig == null) {
            throw unauthorized("requests must be signed (Authorization: Signature keyId=\"<user>\",...)");
        }
        if (!sig.headers().contains("date") && !sig.headers().contains("x-date")) {
            throw unauthorized("the signature must cover the date header");
        }
        checkDate(req.getHeader("Date") != null ? req.getHeader("Date") : req.getHeader("X-Date"));
        Users.User u = users.get(sig.user());
        String signing;
        try {
            signing = sig.signingString(req::getHeader, req.method().name(), req.uri());
        } catch (IllegalArgumentException e) {
            throw ImgapiError.withField(ErrorCode.UNAUTHORIZED, "Authorization", e.getMessage()).toException();
        }
        if (u == null || !sig.verifiedBy(u.keys(), signing)) {
            throw unauthorized("the signature does not verify");
        }
        return u;
    }

    /** A signed date too far from now could be a replay: refused. */
    private void checkDate(String date) {
        if (date == null) {
            throw ImgapiError.withField(ErrorCode.UNAUTHORIZED, "Date", "a Date header is required").toException();
        }
        Instant when;
        try {
            when = ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw ImgapiError.withField(ErrorCode.UNAUTHORIZED, "Date", "the Date header is not an RFC 1123 date").toException();
        }
        Duration off = Duration.between(when, clock.instant()).abs();
        if (off.compareTo(skew) > 0) {
            throw ImgapiError.withField(ErrorCode.UNAUTHORIZED, "Date", "the signed date is " + off.toSeconds()
                    + " s away from this server's clock (at most " + skew.toSeconds() + " s allowed)").toException();
        }
    }

    private static RuntimeException unauthorized(String message) {
        return new ImgapiError(ErrorCode.UNAUTHORIZED, message).toException();
    }
}
