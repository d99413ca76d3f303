package io.imgfed.replicator.oci;

import io.imgfed.protocol.error.ImgapiException;
import io.imgfed.protocol.oci.OciError;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciErrors;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.transfer.store.BlobWriter;
import io.imgfed.transfer.store.StoreFullException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the OCI front turns a failure into the spec's answer: {@code {"errors":[...]}} with the code's
 * status. Authentication failures from the shared callers become UNAUTHORIZED (with the challenge that makes
 * docker-style clients send their credentials) or DENIED (also for their other 4xx refusals, such as a malformed
 * {@code ?account=}); a full store is 507; anything unexpected is logged
 * and answered UNKNOWN, never a stack trace.
 */
final class OciErrorResponses {
    private static final Logger LOG = LoggerFactory.getLogger(OciErrorResponses.class);
    static final String CHALLENGE = "Basic realm=\"imgfed\"";

    private OciErrorResponses() {
    }

    static OciError toError(Throwable t) {
        if (t instanceof OciException e) {
            return e.error();
        }
        if (t instanceof ImgapiException e) {
            int status = e.error().code().httpStatus();
            if (status == 401) {
                return new OciError(OciErrorCode.UNAUTHORIZED, e.error().message());
            }
            if (status == 403) {
                return new OciError(OciErrorCode.DENIED, e.error().message());
            }
            if (status == 503) {
                return new OciError(OciErrorCode.UNAVAILABLE, e.error().message());
            }
            if (status >= 400 && status < 500) {
                // The shared callers' other refusals are of the request's credentials or account (a malformed
                // ?account=, say): the spec has no generic bad-request code, and a refusal is what they are.
                return new OciError(OciErrorCode.DENIED, e.error().message());
            }
        }
        if (t instanceof BlobWriter.FileTooLargeException) {
            return new OciError(OciErrorCode.SIZE_INVALID, t.getMessage());
        }
        return null;
    }

    static void send(HttpServerResponse res, Throwable t, String requestId) {
        if (res.headWritten()) {
            // The status line is out: all that is left is to cut the answer so the client sees it is short.
            res.reset();
            return;
        }
        OciError error = toError(t);
        int status;
        if (error != null) {
            status = error.httpStatus();
        } else if (t instanceof StoreFullException || StoreFullException.isNoSpace(t)) {
            error = new OciError(OciErrorCode.UNKNOWN, "no space left in this registry's store");
            status = 507;
        } else {
            LOG.error("request {} failed", requestId, t);
            error = new OciError(OciErrorCode.UNKNOWN, "internal error (request " + requestId + ")");
            status = 500;
        }
        if (status == 401) {
            res.putHeader("WWW-Authenticate", CHALLENGE);
        }
        byte[] body = OciErrors.body(error);
        res.setStatusCode(status)
                .putHeader("Content-Type", OciErrors.CONTENT_TYPE)
                .putHeader("Docker-Distribution-API-Version", OciRoutes.API_VERSION)
                .putHeader("Content-Length", String.valueOf(body.length))
                .end(Buffer.buffer(body));
    }
}
