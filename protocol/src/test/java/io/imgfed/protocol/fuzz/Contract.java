package io.imgfed.protocol.fuzz;

import io.imgfed.protocol.error.ImgapiException;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.OciErrors;
import io.imgfed.protocol.oci.OciException;

/**
 * What the fuzz targets hold the code to: hostile input may only be refused with the documented exceptions,
 * an {@link ImgapiException} carrying a 4xx (parsing and validation), an {@link OciException} carrying a 4xx
 * whose error body renders (the OCI front's wire model) or a {@link MalformedRecordException} (record decoding). Anything else escaping (NPE, ClassCast, IllegalArgument, StackOverflow, UncheckedIO...) is
 * a finding: Jazzer reports it with the input that caused it.
 */
final class Contract {
    private Contract() {
    }

    /** An operation that may refuse its input with an IMGAPI error. */
    @FunctionalInterface
    interface ImgapiCall<T> {
        T call();
    }

    /** An operation that may refuse its input as a malformed record. */
    @FunctionalInterface
    interface RecordCall<T> {
        T call() throws MalformedRecordException;
    }

    /** The call's result, or null if it refused the input with a 4xx IMGAPI error; a 5xx refusal is a finding. */
    static <T> T orClientError(ImgapiCall<T> call) {
        try {
            return call.call();
        } catch (ImgapiException e) {
            int status = e.error().httpStatus();
            if (status < 400 || status >= 500) {
                throw new AssertionError("input refused with HTTP " + status + " (" + e.getMessage()
                        + "); a client's mistake must be a 4xx", e);
            }
            if (e.error().message() == null || e.error().message().isBlank()) {
                throw new AssertionError("IMGAPI error without a message: " + e.error());
            }
            return null;
        }
    }

    /** An operation of the OCI wire model that may refuse its input with an OCI error. */
    @FunctionalInterface
    interface OciCall<T> {
        T call();
    }

    /**
     * The call's result, or null if it refused the input with a 4xx OCI error that has a message and whose
     * error body is JSON; a 5xx refusal, or a body that does not render, is a finding.
     */
    static <T> T orOciError(OciCall<T> call) {
        try {
            return call.call();
        } catch (OciException e) {
            int status = e.error().httpStatus();
            if (status < 400 || status >= 500) {
                throw new AssertionError("input refused with HTTP " + status + " (" + e.getMessage()
                        + "); a client's mistake must be a 4xx", e);
            }
            if (e.error().message() == null || e.error().message().isBlank()) {
                throw new AssertionError("OCI error without a message: " + e.error());
            }
            String rendered = Json.tree(OciErrors.body(e.error())).at("/errors/0/message").asText();
            check(rendered.equals(e.error().message()), "error message changed on the wire: " + e.error().message());
            return null;
        }
    }

    /** The call's result, or null if it refused the input as malformed. */
    static <T> T orMalformed(RecordCall<T> call) {
        try {
            return call.call();
        } catch (MalformedRecordException e) {
            return null;
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
