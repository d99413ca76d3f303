package io.imgfed.replicator.cli;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr, redrawn in place with {@code \r} at most ten times a second:
 * {@code upload [=========>        ] 512.0 MiB / 1.0 GiB  98.3 MiB/s  ETA 5s}. The rate is measured over the
 * last few seconds. Drawn only when stderr is a terminal or the bar is forced ({@code --progress}); otherwise
 * it only counts. {@link #finish()} draws the final line (with the average rate and the time taken) and ends it.
 */
public final class ProgressBar {
    static final long REDRAW_NANOS = 100_000_000L;
    static final int WIDTH = 30;
    private static final long WINDOW_NANOS = 3_000_000_000L;

    private final PrintStream out;
    private final String label;
    private final boolean enabled;
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

    ProgressBar(PrintStream out, String label, long total, boolean enabled, LongSupplier clock) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
        this.clock = clock;
    }

    /** A bar on stderr, drawn if stderr is a terminal or {@code forced}. */
    public static ProgressBar onStderr(String label, long total, boolean forced) {
        return new ProgressBar(System.err, label, total, forced || Terminal.stderr(), System::nanoTime);
    }

    public boolean enabled() {
        return enabled;
    }

    /** The bytes done so far; redraws if the last drawing is at least 100 ms old. */
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
        if (enabled && !finished && (!drawn || now - lastDraw >= REDRAW_NANOS)) {
            draw(now, false);
        }
    }

    /** The size, once known (0 or less: unknown, no bar is drawn, only the count). */
    public synchronized void total(long bytes) {
        total = bytes;
    }

    /** A remark shown after the ETA (say, why a transfer is waiting); null for none. */
    public synchronized void note(String text) {
        note = text;
    }

    /** Draws the final line and ends it with a newline. */
    public synchronized void finish() {
        if (finished) {
            return;
        }
        if (total > 0 && done < total) {
            done = total;
        }
        finished = true;
        if (enabled) {
            draw(clock.getAsLong(), true);
            out.println();
            out.flush();
        }
    }

    /** Ends a bar that will not complete (an error follows), so the next message starts on a fresh line. */
    public synchronized void abandon() {
        if (finished) {
            return;
        }
        finished = true;
        if (enabled && drawn) {
            out.println();
            out.flush();
        }
    }

    private void draw(long now, boolean last) {
        String line = line(now, last);
        StringBuilder sb = new StringBuilder().append('\r').append(line);
        if (line.length() < lastLength) {
            sb.append(" ".repeat(lastLength - line.length()));
        }
        lastLength = line.length();
        lastDraw = now;
        drawn = true;
        out.print(sb);
        out.flush();
    }

    /** The bar's text at a moment: the bar, bytes, rate and ETA (or the time taken, on the final line). */
    synchronized String line(long now, boolean last) {
        StringBuilder sb = new StringBuilder();
        if (label != null && !label.isEmpty()) {
            sb.append(label).append(' ');
        }
        if (total > 0) {
            double frac = Math.min(1.0, Math.max(0.0, (double) done / total));
            int filled = (int) Math.floor(frac * WIDTH);
            sb.append('[');
            if (filled >= WIDTH) {
                sb.append("=".repeat(WIDTH));
            } else {
                sb.append("=".repeat(filled)).append('>').append(" ".repeat(WIDTH - filled - 1));
            }
            sb.append("] ").append(Table.human(done)).append(" / ").append(Table.human(total));
        } else {
            sb.append(Table.human(done));
        }
        double rate = last ? averageRate(now) : recentRate(now);
        sb.append("  ").append(rate < 0 ? "?" : Table.human(Math.round(rate))).append("/s");
        if (last) {
            sb.append("  done in ").append(Durations.format(first < 0 ? 0 : (now - first) / 1e9));
        } else if (total > 0) {
            sb.append("  ETA ").append(rate > 0 ? Durations.format(Math.ceil((total - done) / rate)) : "?");
        }
        if (note != null && !last) {
            sb.append("  (").append(note).append(')');
        }
        return sb.toString();
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
