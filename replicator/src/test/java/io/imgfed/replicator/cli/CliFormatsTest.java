package io.imgfed.replicator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small pieces behind the commands' output and requests: durations, query strings, error lines, the default URL. */
class CliFormatsTest {

    @Test
    void durations() {
        assertEquals("0.4s", Durations.format(0.42));
        assertEquals("<0.1s", Durations.format(0.04));
        assertEquals("0s", Durations.format(0));
        assertEquals("5s", Durations.format(5));
        assertEquals("2m05s", Durations.format(125));
        assertEquals("1h02m", Durations.format(3720));
        assertEquals("3d04h", Durations.format(3 * 86_400 + 4 * 3600));
        assertEquals("?", Durations.format(Double.POSITIVE_INFINITY));
    }

    @Test
    void queryStringsEncodeAndSkipNulls() {
        assertEquals("?name=a%20b%26c&version=%7E1.&marker=x", QueryString.of("name", "a b&c", "owner", null,
                "version", "~1.").add("marker", "x").encoded());
        assertEquals("", new QueryString().encoded());
        assertEquals("a%2Fb%20c", UrlPaths.segment("a/b c"));
    }

    @Test
    void apiErrorsKeepCodeMessageAndFields() {
        ApiError e = ApiError.from(422, ("{\"code\":\"ValidationFailed\",\"message\":\"bad manifest\",\"errors\":["
                + "{\"field\":\"name\",\"code\":\"Invalid\",\"message\":\"too long\"}]}").getBytes(StandardCharsets.UTF_8));
        assertEquals("ValidationFailed: bad manifest", e.getMessage());
        assertEquals(List.of("name"), e.fields());
        assertEquals(List.of("name: Invalid: too long"), e.details());
        ApiError html = ApiError.from(502, "<html>\nBad gateway</html>".getBytes(StandardCharsets.UTF_8));
        assertEquals("HTTP 502: <html>", html.getMessage());
    }

    @Test
    void defaultUrlIsTheConfiguredClientApi() {
        Path dir = Path.of("unused");
        assertEquals("http://127.0.0.1:8080", LocalDaemonUrl.of(TestDaemon.config(dir, "http: {port: 8080}")));
        assertEquals("http://127.0.0.1:9090", LocalDaemonUrl.of(TestDaemon.config(dir,
                "http: {host: 0.0.0.0, port: 9090}\nauth: {allowInsecure: true}")));
        assertEquals("http://[::1]:9091", LocalDaemonUrl.of(TestDaemon.config(dir, "http: {host: '::1', port: 9091}")));
        assertEquals("https://dc1.example:443", LocalDaemonUrl.of(TestDaemon.config(dir,
                "http: {port: 8443, advertise: 'dc1.example:443', tls: {cert: c.pem, key: k.pem}}")));
    }
}
