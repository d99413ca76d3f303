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
 * beyond what a client needs to fix its request, and a 401 names the header to fix (Authorization, Date, X-Date).
 *
 * <p>A signature must cover {@code (request-target)} (method and path) and a date header, {@code date} or
 * {@code x-date}; every date header it covers must be within {@code auth.clockSkew} of this server's clock.
 */
public final class AuthenticatedCallers implements CallerResolver {
    private static final String REQUEST_TARGET = "(request-target)";

    private final AuthMode mode;
    private final Users users;
    private final Duration skew;
    private final boolean dateOnly;
    private final Clock clock;

    /**
     * @param dateOnly also accept signatures that do not cover {@code (request-target)}, as sdc-clients makes them
     *     ({@code auth.dateOnlySignatures}): such a signature can be replayed to any path within the clock skew
     */
    public AuthenticatedCallers(AuthMode mode, Users users, Duration skew, boolean dateOnly, Clock clock) {
        this.mode = mode;
        this.users = users;
        this.skew = skew;
        this.dateOnly = dateOnly;
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
        if (h != null && h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return byBasic(h.substring(6).trim());
        }
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("Authorization", "a bearer token is required (Authorization: Bearer <token>)");
        }
        Users.User u = users.byToken(h.substring(7).trim());
        if (u == null) {
            throw unauthorized("Authorization", "the token is not valid");
        }
        return u;
    }

    /**
     * Basic credentials whose password is the user's token: what registry clients (docker login, containerd,
     * podman, skopeo, Jib) send to the OCI front after its challenge. The user name must be the token's user.
     */
    private Users.User byBasic(String encoded) {
        String decoded;
        try {
            decoded = new String(java.util.Base64.getDecoder().decode(encoded), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw unauthorized("Authorization", "Basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw unauthorized("Authorization", "Basic credentials must be <user>:<token>");
        }
        Users.User u = users.byToken(decoded.substring(colon + 1));
        if (u == null || !u.name().equals(decoded.substring(0, colon))) {
            throw unauthorized("Authorization", "the user or token is not valid");
        }
        return u;
    }

    private Users.User bySignature(HttpServerRequest req) {
        HttpSignature sig;
        try {
            sig = HttpSignature.parse(req.getHeader("Authorization"));
        } catch (IllegalArgumentException e) {
            throw unauthorized("Authorization", e.getMessage());
        }
        if (sig == null) {
            throw unauthorized("Authorization",
                    "requests must be signed (Authorization: Signature keyId=\"<user>\",headers=\"(request-target) date\",...)");
        }
        // Freshness is judged on the date headers the signature covers, and only on those: an unsigned Date beside
        // a signed X-Date (or the reverse) proves nothing about when the request was made.
        List<String> dates = sig.headers().stream().filter(h -> h.equals("date") || h.equals("x-date")).toList();
        if (dates.isEmpty()) {
            throw unauthorized("Authorization", "the signature must cover the date header (headers=\"(request-target) date\")");
        }
        if (!dateOnly && !sig.headers().contains(REQUEST_TARGET)) {
            // Without the method and path in it, a captured signature could be replayed to any other request.
            throw unauthorized("Authorization", "the signature must cover (request-target) as well as the date "
                    + "(headers=\"(request-target) date\")");
        }
        for (String h : sig.headers()) {
            if (!h.equals(REQUEST_TARGET) && req.headers().getAll(h).size() > 1) {
                throw unauthorized(fieldName(h), "the signed header " + fieldName(h) + " is sent more than once");
            }
        }
        for (String h : dates) {
            checkDate(fieldName(h), req.getHeader(h));
        }
        Users.User u = users.get(sig.user());
        String signing;
        try {
            signing = sig.signingString(req::getHeader, req.method().name(), req.uri());
        } catch (IllegalArgumentException e) {
            throw unauthorized("Authorization", e.getMessage());
        }
        if (u == null || !sig.verifiedBy(u.keys(), signing)) {
            throw unauthorized("Authorization", "the signature does not verify");
        }
        return u;
    }

    /** A signed date too far from now could be a replay: refused. */
    private void checkDate(String field, String date) {
        if (date == null) {
            throw unauthorized(field, "the signature covers " + field + " but the request has no " + field + " header");
        }
        Instant when;
        try {
            when = ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw unauthorized(field, "the " + field + " header is not an RFC 1123 date");
        }
        Duration off = Duration.between(when, clock.instant()).abs();
        if (off.compareTo(skew) > 0) {
            throw unauthorized(field, "the signed " + field + " is " + off.toSeconds()
                    + " s away from this server's clock (at most " + skew.toSeconds() + " s allowed)");
        }
    }

    /** A signed header as clients spell it, for error messages: "date" is Date, "x-date" is X-Date. */
    private static String fieldName(String header) {
        StringBuilder sb = new StringBuilder(header.length());
        boolean upper = true;
        for (char c : header.toCharArray()) {
            sb.append(upper ? Character.toUpperCase(c) : c);
            upper = c == '-';
        }
        return sb.toString();
    }

    private static RuntimeException unauthorized(String field, String message) {
        return ImgapiError.withField(ErrorCode.UNAUTHORIZED, field, message).toException();
    }
}
