package io.imgfed.replicator.cli;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Progress of moving bytes, on stderr: on a terminal a bar redrawn in place, fitted to the screen's width,
 * {@code upload [=========>         ]  45%  512.0 MiB / 1.1 GiB  98.3 MiB/s  ETA 6s}; when output goes to a pipe
 * or a file the same figures as a plain line at most once a second; with {@code --json} nothing. The rate is
 * measured over the last few seconds; the final line gives the average rate and the time taken.
 */
public final class ProgressBar {
    /** How progress is shown. */
    public enum Style { BAR, LINES, NONE }

    static final long REDRAW_NANOS = 100_000_000L;
    static final long LINE_NANOS = 1_000_000_000L;
    static final int MIN_BAR = 10;
    static final int MAX_BAR = 40;
    /** Room kept after the rate for {@code "  done in 59m59s"}. */
    private static final int TAIL_ROOM = 16;
    private static final long WINDOW_NANOS = 3_000_000_000L;

    private final PrintStream out;
    private final String label;
    private final Style style;
    private final int columns;
    private final LongSupplier clock;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private long total;
    private long done;
    private String note;
    private long first = -1;
    private long firstBytes;
    private long lastDraw;
    private boolean drawn;
    private int lastLength;
    private boolean finished;

    /** @param columns the screen's width, for {@link Style#BAR} */
    ProgressBar(PrintStream out, String label, long total, Style style, int columns, LongSupplier clock) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.style = style;
        this.columns = columns;
        this.clock = clock;
    }

    /** Progress for a command's output: none with --json, a bar when interactive, else plain lines. */
    public static ProgressBar forCommand(String label, long total, boolean json) {
        Style style = json ? Style.NONE : Terminal.interactive() ? Style.BAR : Style.LINES;
        return new ProgressBar(System.err, label, total, style, style == Style.BAR ? Terminal.columns() : 0, System::nanoTime);
    }

    /** The bytes done so far; shown if the last showing is old enough. */
    public synchronized void update(long bytes) {
        long now = clock.getAsLong();
        done = bytes;
        if (first < 0) {
            first = now;
            firstBytes = bytes;
        }
        samples.addLast(new long[] {now, bytes});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW_NANOS) {
            samples.removeFirst();
        }
        long every = style == Style.BAR ? REDRAW_NANOS : LINE_NANOS;
        // A plain line at 100% would only say again what finish() says next.
        boolean redundant = style == Style.LINES && total > 0 && bytes >= total;
        if (style != Style.NONE && !finished && !redundant && (!drawn || now - lastDraw >= every)) {
            show(now, false);
        }
    }

    /** The size, once known (0 or less: unknown, only the count is shown). */
    public synchronized void total(long bytes) {
        total = bytes;
    }

    /** A remark shown last (say, why a transfer is waiting); null for none. */
    public synchronized void note(String text) {
        note = text;
    }

    /** Shows the final figures and ends the line. */
    public synchronized void finish() {
        if (finished) {
            return;
        }
        if (total > 0 && done < total) {
            done = total;
        }
        finished = true;
        if (style != Style.NONE) {
            show(clock.getAsLong(), true);
            if (style == Style.BAR) {
                out.println();
            }
            out.flush();
        }
    }

    /** Ends progress that will not complete (an error follows), so the next message starts on a fresh line. */
    public synchronized void abandon() {
        if (finished) {
            return;
        }
        finished = true;
        if (style == Style.BAR && drawn) {
            out.println();
            out.flush();
        }
    }

    private void show(long now, boolean last) {
        String line = line(now, last);
        lastDraw = now;
        drawn = true;
        if (style == Style.LINES) {
            out.println(line);
        } else {
            // Pads over what is left of a longer previous line; \r alone does not erase it.
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
        }
        out.flush();
    }

    /**
     * The text at a moment: label, bar, percent, bytes, rate, then the ETA (or the time taken) and the note.
     * The figures before the ETA have fixed widths and the bar's width is worked out for the longest ETA, so the
     * bar keeps its width while it fills; a note that leaves too little room for the bar is left out.
     */
    synchronized String line(long now, boolean last) {
        double rate = last ? averageRate(now) : recentRate(now);
        StringBuilder figures = new StringBuilder();
        if (total > 0) {
            figures.append(String.format("%3d%%  %10s / %s  ", Math.round(fraction() * 100), Table.human(done), Table.human(total)));
        } else {
            figures.append(String.format("%10s  ", Table.human(done)));
        }
        figures.append(String.format("%12s", (rate < 0 ? "?" : Table.human(Math.round(rate))) + "/s"));
        int fixed = figures.length() + TAIL_ROOM;
        if (last) {
            figures.append("  done in ").append(Durations.format(first < 0 ? 0 : (now - first) / 1e9));
        } else if (total > 0) {
            figures.append("  ETA ").append(rate > 0 ? Durations.format(Math.ceil((total - done) / rate)) : "?");
        }
        String remark = note != null && !last ? "  (" + note + ")" : "";
        String head = label == null || label.isEmpty() ? "" : label + " ";
        if (style != Style.BAR) {
            return head + figures + remark;
        }
        // The last column stays empty: writing into it makes many terminals wrap, and \r then redraws the wrong line.
        int room = columns - 1;
        // Room for the note is kept on the final line too, which has none, so that the bar does not jump there.
        int noteRoom = note == null ? 0 : note.length() + 4;
        int barWidth = Math.min(MAX_BAR, room - head.length() - 3 - fixed - noteRoom);
        if (barWidth < MIN_BAR) {
            remark = ""; // the figures matter more than the note
            barWidth = Math.min(MAX_BAR, room - head.length() - 3 - fixed);
        }
        String line = (total > 0 && barWidth >= MIN_BAR ? head + bar(barWidth) + " " : head) + figures + remark;
        return line.length() > room ? line.substring(0, Math.max(0, room)) : line;
    }

    private String bar(int width) {
        int filled = (int) Math.floor(fraction() * width);
        if (filled >= width) {
            return "[" + "=".repeat(width) + "]";
        }
        return "[" + "=".repeat(filled) + ">" + " ".repeat(width - filled - 1) + "]";
    }

    private double fraction() {
        return Math.min(1.0, Math.max(0.0, (double) done / total));
    }

    /** Bytes per second over the last few seconds; -1 while unknown. */
    private double recentRate(long now) {
        if (samples.size() < 2) {
            return -1;
        }
        long[] oldest = samples.peekFirst();
        long dt = now - oldest[0];
        if (dt < 50_000_000L) {
            return -1;
        }
        return (done - oldest[1]) * 1e9 / dt;
    }

    private double averageRate(long now) {
        long dt = first < 0 ? 0 : now - first;
        if (dt <= 0) {
            return -1;
        }
        return (done - firstBytes) * 1e9 / dt;
    }
}
