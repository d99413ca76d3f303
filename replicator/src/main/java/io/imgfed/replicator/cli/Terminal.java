package io.imgfed.replicator.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the CLI knows of the terminal it runs in: whether output is interactive, and how wide the screen is. */
public final class Terminal {
    static final int DEFAULT_COLUMNS = 80;

    private Terminal() {
    }

    /**
     * Whether both stdout and stderr are terminals: only then may a progress bar redraw a line in place (output
     * piped into a script or a log gets plain lines). {@code TERM=dumb} counts as no terminal.
     */
    public static boolean interactive() {
        return !"dumb".equals(System.getenv("TERM")) && isTerminal(1) && isTerminal(2);
    }

    public static boolean stdout() {
        return !"dumb".equals(System.getenv("TERM")) && isTerminal(1);
    }

    /** The screen's width: $COLUMNS, else what {@code stty size} says of the controlling terminal, else 80. */
    public static int columns() {
        Integer fromEnv = positive(System.getenv("COLUMNS"));
        if (fromEnv != null) {
            return fromEnv;
        }
        // Java cannot ask the tty for its size, and shells rarely export COLUMNS; stty can, reading /dev/tty.
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(1, TimeUnit.SECONDS)) {
                String[] rowsCols = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ");
                Integer cols = rowsCols.length == 2 ? positive(rowsCols[1]) : null;
                if (cols != null) {
                    return cols;
                }
            } else {
                p.destroy();
            }
        } catch (IOException e) {
            // no stty or no controlling terminal: the default width
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return DEFAULT_COLUMNS;
    }

    /**
     * Java 17 cannot call isatty(3): on Linux the answer is where {@code /proc/self/fd/N} points; elsewhere
     * {@link System#console()} (stdin and stdout both interactive) stands in.
     */
    private static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    private static Integer positive(String s) {
        try {
            int n = s == null ? 0 : Integer.parseInt(s.trim());
            return n > 0 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
