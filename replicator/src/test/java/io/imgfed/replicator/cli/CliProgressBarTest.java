package io.imgfed.replicator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress bar's text, its redraw limit, and the small formatters behind it (a fake clock; no daemon). */
class CliProgressBarTest {
    private static final long MS = 1_000_000L;
    private static final long MIB = 1 << 20;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);

    private String printed() {
        return sink.toString(StandardCharsets.UTF_8);
    }

    @Test
    void drawsBarBytesRateAndEta() {
        ProgressBar bar = new ProgressBar(out, "upload", 1024 * MIB, true, now::get);
        bar.update(0);
        now.addAndGet(1_000 * MS);
        bar.update(100 * MIB);
        now.addAndGet(1_000 * MS);
        bar.update(512 * MIB);
        String line = bar.line(now.get(), false);
        // 512 MiB in 2 s over the window: 256 MiB/s; 512 MiB left: 2 s.
        assertEquals("upload [===============>              ] 512.0 MiB / 1.0 GiB  256.0 MiB/s  ETA 2s", line);
        assertTrue(printed().contains("\r" + line), printed());
        bar.finish();
        assertTrue(printed().endsWith("upload [==============================] 1.0 GiB / 1.0 GiB  512.0 MiB/s  done in 2s"
                + System.lineSeparator()), printed());
    }

    @Test
    void redrawsAtMostTenTimesASecond() {
        ProgressBar bar = new ProgressBar(out, "x", 1000, true, now::get);
        for (int i = 0; i <= 1000; i++) {
            bar.update(i);
            now.addAndGet(MS);
        }
        long frames = printed().chars().filter(c -> c == '\r').count();
        assertTrue(frames >= 9 && frames <= 11, "one second of updates every millisecond drew " + frames + " frames");
    }

    @Test
    void unknownRateAndSizeAndNotes() {
        ProgressBar bar = new ProgressBar(out, "replicate", 4 * MIB, true, now::get);
        bar.note("a -> b");
        bar.update(0);
        assertEquals("replicate [>" + " ".repeat(29) + "] 0 B / 4.0 MiB  ?/s  ETA ?  (a -> b)",
                bar.line(now.get(), false));
        ProgressBar unsized = new ProgressBar(out, "download", -1, true, now::get);
        unsized.update(3 * MIB);
        assertEquals("download 3.0 MiB  ?/s", unsized.line(now.get(), false));
    }

    @Test
    void disabledBarPrintsNothing() {
        ProgressBar bar = new ProgressBar(out, "upload", 100, false, now::get);
        bar.update(50);
        bar.finish();
        bar.abandon();
        assertEquals("", printed());
    }

    @Test
    void abandonedBarEndsItsLine() {
        ProgressBar bar = new ProgressBar(out, "upload", 100, true, now::get);
        bar.update(50);
        bar.abandon();
        assertTrue(printed().endsWith(System.lineSeparator()));
        bar.finish();
        assertEquals(1, printed().chars().filter(c -> c == '\r').count(), "nothing is drawn after abandon");
    }

    @Test
    void durations() {
        assertEquals("0.4s", Durations.format(0.42));
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
        assertEquals(java.util.List.of("name"), e.fields());
        assertEquals(java.util.List.of("name: Invalid: too long"), e.details());
        ApiError html = ApiError.from(502, "<html>\nBad gateway</html>".getBytes(StandardCharsets.UTF_8));
        assertEquals("HTTP 502: <html>", html.getMessage());
    }
}
