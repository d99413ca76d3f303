package io.imgfed.replicator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether stdout or stderr is a terminal, to decide on progress bars and screen redraws. Java 17 cannot ask
 * isatty(3) directly: on Linux the answer is where {@code /proc/self/fd/N} points; elsewhere it falls back to
 * {@link System#console()} (stdin and stdout both interactive). {@code TERM=dumb} counts as no terminal.
 */
public final class Terminal {
    private Terminal() {
    }

    public static boolean stdout() {
        return isTerminal(1);
    }

    public static boolean stderr() {
        return isTerminal(2);
    }

    private static boolean isTerminal(int fd) {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
