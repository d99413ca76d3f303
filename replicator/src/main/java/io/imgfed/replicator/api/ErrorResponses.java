package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.error.ImgapiException;
import io.imgfed.protocol.json.Json;
import io.imgfed.transfer.store.BlobWriter;
import io.imgfed.transfer.store.StoreFullException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.handler.HttpException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where errors become HTTP responses: IMGAPI's JSON shape, status and headers; never a stack trace. */
public final class ErrorResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);
    private static final Pattern CONNECTION_LOST = Pattern.compile(
            "^.*(?:connection.*(?:reset|closed|abort|broken)|broken.*pipe).*$", Pattern.CASE_INSENSITIVE);

    private ErrorResponses() {
    }

    /** Turns any failure into the IMGAPI error a client should see. Unknown failures are logged and become 500. */
    public static ImgapiError toError(Throwable failure, String requestId) {
        if (failure instanceof ImgapiException ie) {
            return ie.error();
        }
        if (failure instanceof StoreFullException) {
            return new ImgapiError(ErrorCode.INSUFFICIENT_STORAGE, "the image store is full; try again later");
        }
        if (failure instanceof BlobWriter.FileTooLargeException) {
            return ImgapiError.withField(ErrorCode.UPLOAD, "Content-Length", failure.getMessage());
        }
        if (failure instanceof HttpException he && he.getStatusCode() >= 400 && he.getStatusCode() < 500) {
            // Vert.x Web's own refusals, e.g. a query string that is not valid URL encoding: the client's fault.
            return switch (he.getStatusCode()) {
                case 404 -> ImgapiError.notFound("resource");
                case 413 -> ImgapiError.withField(ErrorCode.REQUEST_TOO_LARGE, "body", "request body is too large");
                default -> new ImgapiError(ErrorCode.BAD_REQUEST, "bad request (malformed URL encoding, header or body)");
            };
        }
        LOG.error("request {} failed", requestId, failure);
        return new ImgapiError(ErrorCode.INTERNAL_ERROR, "internal error (request id " + requestId + ")");
    }

    /**
     * Whether a failure only says that the client closed or reset the connection: nobody left to answer, nothing
     * wrong here. Decided by the failure, not by {@code response.closed()}: the failure of a write can arrive before
     * the response learns that its connection closed, and a real error can come after the client left.
     */
    private static boolean clientGone(Throwable failure) {
        return !(failure instanceof ImgapiException) && connectionLost(failure);
    }

    /**
     * Whether an exception (or one of its causes) is the peer closing or resetting the connection. The JDK reports
     * a reset or a broken pipe only as an IOException with that message; Netty tells them apart the same way
     * (SslHandler's ignorable errors).
     */
    public static boolean connectionLost(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpClosedException || t instanceof ClosedChannelException) {
                return true;
            }
            boolean socketLevel = (t instanceof java.io.IOException && !(t instanceof java.nio.file.FileSystemException))
                    || t instanceof io.vertx.core.VertxException;
            if (socketLevel && t.getMessage() != null && CONNECTION_LOST.matcher(t.getMessage()).matches()) {
                return true;
            }
        }
        return false;
    }

    public static Buffer body(ImgapiError error) {
        ObjectNode o = Json.object();
        o.put("code", error.code().wireName());
        o.put("message", error.message());
        List<FieldError> errors = error.errors();
        if (!errors.isEmpty()) {
            ArrayNode arr = o.putArray("errors");
            for (FieldError e : errors) {
                ObjectNode eo = arr.addObject();
                eo.put("field", e.field());
                eo.put("code", e.code().name());
                eo.put("message", e.message());
            }
        }
        return Buffer.buffer(Json.bytes(o));
    }

    /** Sends the error unless the response already started, in which case the connection is reset. */
    public static void send(HttpServerResponse response, Throwable failure, String requestId) {
        if (clientGone(failure)) {
            // Everyday (a client killed, a download cancelled); the access log has the request.
            LOG.debug("request {}: the client closed the connection before the answer was complete ({})", requestId,
                    failure.toString());
            return;
        }
        ImgapiError error = toError(failure, requestId);
        if (response.headWritten()) {
            // The status line is gone; a reset is the only honest signal left.
            response.reset();
            return;
        }
        if (response.ended() || response.closed()) {
            return;
        }
        Buffer body = body(error);
        response.setStatusCode(error.httpStatus());
        response.headers().remove("Content-Length").remove("Content-MD5").remove("ETag");
        if (error.code() != ErrorCode.RANGE_NOT_SATISFIABLE) {
            // A 416 keeps the "Content-Range: bytes */size" its sender set (RFC 9110 15.5.17).
            response.headers().remove("Content-Range");
        }
        response.putHeader("Content-Type", "application/json");
        if (error.code() == ErrorCode.UNAUTHORIZED) {
            // Both schemes imgfed accepts; a client uses the one its DC is configured for (auth.mode).
            response.putHeader("WWW-Authenticate", "Signature realm=\"imgfed\",headers=\"(request-target) date\", Bearer realm=\"imgfed\"");
        }
        if (error.retryAfterSeconds() != null) {
            response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
        }
        response.end(body);
    }
}
