package io.imgfed.replicator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.RawHttp;
import io.vertx.ext.web.handler.HttpException;
import java.io.IOException;
import java.net.URI;

import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reproducers of what the HTTP fuzz test (io.imgfed.replicator.fuzz.HttpApiFuzzTest) found, fixed since. */
class FuzzFindingsTest {
    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;

    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir);
        api = daemon.client();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    /** Was 503 ServiceUnavailable: a DC name nobody announced is a bad parameter, not an outage. */
    @Test
    void replicateToAnUnknownDcIsInvalidParameter() {
        String uuid = api.activeImage("replicate-unknown-dc", "bytes".getBytes(StandardCharsets.US_ASCII));
        ImgapiClient.Response r = api.post("/images/" + uuid + "?action=replicate&dc=nowhere", "{}");
        assertEquals(422, r.status(), r.toString());
        assertEquals("InvalidParameter", r.code());
        assertEquals("dc", r.json().path("errors").path(0).path("field").asText());
    }

    /**
     * Was 500 InternalError: the caller resolver asked Vert.x for ?account=, and Vert.x's failure to decode a
     * malformed query string (%zz, a lone %) escaped as an exception that was no ImgapiException.
     */
    @Test
    void undecodableQueryStringIsInvalidParameter() throws IOException {
        for (String path : new String[] {"/images?name=%zz", "/images?x=%",
                "/federation/availability?uuid=%e8%%00", "/federation/dcs?a=%G1"}) {
            String answer = raw("GET " + path + " HTTP/1.1");
            assertTrue(answer.startsWith("HTTP/1.1 422 "), path + ": " + answer);
            JsonNode body = Json.tree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertEquals("InvalidParameter", body.path("code").asText(), path + ": " + answer);
            assertEquals("query", body.path("errors").path(0).path("field").asText(), path + ": " + answer);
        }
    }

    /** Was 500 InternalError (without a request id): the router refuses request targets that are not a path. */
    @Test
    void requestTargetThatIsNoPathIsBadRequest() throws IOException {
        for (String target : new String[] {"?G", "*", "images/x"}) {
            String answer = raw("GET " + target + " HTTP/1.1");
            assertTrue(answer.startsWith("HTTP/1.1 400 "), target + ": " + answer);
            JsonNode body = Json.tree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertEquals("BadRequest", body.path("code").asText(), target + ": " + answer);
        }
    }

    /** Vert.x Web's own 4xx refusals, whichever handler they escape from, are IMGAPI client errors, never 500. */
    @Test
    void vertxHttpExceptionsAreClientErrors() {
        assertEquals(ErrorCode.BAD_REQUEST, ErrorResponses.toError(new HttpException(400), "r").code());
        assertEquals(ErrorCode.REQUEST_TOO_LARGE, ErrorResponses.toError(new HttpException(413), "r").code());
        assertEquals(ErrorCode.BAD_REQUEST, ErrorResponses.toError(new HttpException(418), "r").code());
        assertEquals(ErrorCode.INTERNAL_ERROR, ErrorResponses.toError(new HttpException(500), "r").code());
    }

    private static String raw(String requestLine) throws IOException {
        URI u = URI.create(daemon.url());
        return RawHttp.exchange(u.getHost(), u.getPort(), requestLine + "\nHost: x\nConnection: close\n\n", null,
                false, 10_000);
    }
}
