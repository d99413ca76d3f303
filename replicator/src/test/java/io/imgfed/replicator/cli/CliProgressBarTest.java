package io.imgfed.replicator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.cli.ProgressBar.Style;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress bar on a fake terminal of a given width, as plain lines, and silent: a fake clock, no daemon. */
class CliProgressBarTest {
    private static final long MS = 1_000_000L;
    private static final long MIB = 1 << 20;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);

    private String printed() {
        return sink.toString(StandardCharsets.UTF_8);
    }

    private ProgressBar bar(String label, long total, Style style, int columns) {
        return new ProgressBar(out, label, total, style, columns, now::get);
    }

    /** Half of 1 GiB in 2 s: 256 MiB/s over the window, 2 s to go. */
    private void halfway(ProgressBar bar) {
        bar.update(0);
        now.addAndGet(1_000 * MS);
        bar.update(100 * MIB);
        now.addAndGet(1_000 * MS);
        bar.update(512 * MIB);
    }

    @Test
    void barShowsBytesTotalRateAndEtaFittedToTheTerminal() {
        ProgressBar wide = bar("upload", 1024 * MIB, Style.BAR, 120);
        halfway(wide);
        assertEquals("upload [====================>                   ]  50%   512.0 MiB / 1.0 GiB   256.0 MiB/s  ETA 2s",
                wide.line(now.get(), false), "at most 40 columns of bar");

        ProgressBar eighty = bar("upload", 1024 * MIB, Style.BAR, 80);
        eighty.update(0);
        String start = eighty.line(now.get(), false);
        halfway(eighty);
        String line = eighty.line(now.get(), false);
        assertEquals("upload [======>      ]  50%   512.0 MiB / 1.0 GiB   256.0 MiB/s  ETA 2s", line);
        assertEquals(line.indexOf(']'), start.indexOf(']'), "the bar keeps its width as the figures change: " + start);
        assertTrue(printed().contains("\r" + line), printed());

        eighty.finish();
        String last = "upload [=============] 100%     1.0 GiB / 1.0 GiB   512.0 MiB/s  done in 2s";
        assertTrue(printed().endsWith("\r" + last + System.lineSeparator()), printed());
        assertTrue(last.length() + "59m59s".length() - "2s".length() <= 79, "even an hour's pull fits in 80 columns");
    }

    @Test
    void narrowTerminalsDropTheBarThenCutTheLine() {
        for (int columns : List.of(20, 40, 55, 60, 70, 200)) {
            ProgressBar b = bar("replicate", 4 * MIB, Style.BAR, columns);
            b.note("a -> b");
            b.update(MIB);
            String line = b.line(now.get(), false);
            assertTrue(line.length() <= columns - 1, columns + " columns: " + line);
            assertTrue(line.startsWith("replicate "), line);
        }
        ProgressBar b = bar("replicate", 4 * MIB, Style.BAR, 70);
        b.update(MIB);
        assertEquals("replicate  25%     1.0 MiB / 4.0 MiB           ?/s  ETA ?", b.line(now.get(), false),
                "no room for 10 columns of bar");
    }

    @Test
    void aNoteNarrowsTheBarOrIsLeftOutButNeverCut() {
        ProgressBar b = bar("replicate", 4 * MIB, Style.BAR, 100);
        b.note("into b");
        b.update(MIB);
        String line = b.line(now.get(), false);
        assertTrue(line.endsWith("ETA ?  (into b)"), line);
        int width = line.indexOf(']');
        b.finish();
        assertEquals(width, b.line(now.get(), true).indexOf(']'), "the final line's bar is as wide");

        ProgressBar narrow = bar("replicate", 4 * MIB, Style.BAR, 80);
        narrow.note("a -> b, backing off after attempt 2: connection refused");
        narrow.update(MIB);
        String cut = narrow.line(now.get(), false);
        assertTrue(cut.endsWith("ETA ?") && cut.contains("["), "no room: the note goes, the bar stays: " + cut);
    }

    @Test
    void redrawsAtMostTenTimesASecond() {
        ProgressBar b = bar("x", 1000, Style.BAR, 80);
        for (int i = 0; i <= 1000; i++) {
            b.update(i);
            now.addAndGet(MS);
        }
        long frames = printed().chars().filter(c -> c == '\r').count();
        assertTrue(frames >= 9 && frames <= 11, "one second of updates every millisecond drew " + frames + " frames");
    }

    @Test
    void withoutATerminalPlainLinesOnceASecond() {
        ProgressBar b = bar("download", 3000, Style.LINES, 0);
        for (int i = 0; i <= 3000; i++) {
            b.update(i);
            now.addAndGet(MS);
        }
        b.finish();
        List<String> lines = printed().lines().toList();
        assertFalse(printed().contains("\r"), "no redraws in a pipe");
        assertEquals(List.of(
                "download   0%         0 B / 2.9 KiB           ?/s  ETA ?",
                "download  33%      1000 B / 2.9 KiB      1000 B/s  ETA 2s",
                "download  67%     2.0 KiB / 2.9 KiB      1000 B/s  ETA 1s",
                "download 100%     2.9 KiB / 2.9 KiB      1000 B/s  done in 3.0s"), lines,
                "one a second, and the final one (not a 100% line before it)");
    }

    @Test
    void unknownSizeShowsTheCountAndNotesGoLast() {
        ProgressBar unsized = bar("download", -1, Style.BAR, 80);
        unsized.update(3 * MIB);
        assertEquals("download    3.0 MiB           ?/s", unsized.line(now.get(), false));
        ProgressBar noted = bar("replicate", 4 * MIB, Style.LINES, 0);
        noted.note("a -> b, queued");
        noted.update(0);
        assertEquals("replicate   0%         0 B / 4.0 MiB           ?/s  ETA ?  (a -> b, queued)", noted.line(now.get(), false));
    }

    @Test
    void jsonOutputShowsNoProgress() {
        ProgressBar b = bar("upload", 100, Style.NONE, 80);
        b.update(50);
        b.finish();
        b.abandon();
        assertEquals("", printed());
    }

    @Test
    void abandonedBarEndsItsLineAndDrawsNoMore() {
        ProgressBar b = bar("upload", 100, Style.BAR, 80);
        b.update(50);
        b.abandon();
        assertTrue(printed().endsWith(System.lineSeparator()));
        b.finish();
        assertEquals(1, printed().chars().filter(c -> c == '\r').count(), "nothing is drawn after abandon");
    }
}
