package io.imgfed.replicator.cli;

import java.util.List;

/**
 * A failure the CLI reports as {@code imgfed: <message>} on stderr (plus indented detail lines) and turns into
 * exit code 1. Thrown for anything that is not a usage error: the daemon's errors, an unreachable daemon,
 * a file that cannot be read, a download that does not verify.
 */
public class CliException extends RuntimeException {
    private final List<String> details;

    public CliException(String message) {
        this(message, List.of(), null);
    }

    public CliException(String message, Throwable cause) {
        this(message, List.of(), cause);
    }

    public CliException(String message, List<String> details, Throwable cause) {
        super(message, cause);
        this.details = List.copyOf(details);
    }

    /** Lines printed under the message, indented. */
    public List<String> details() {
        return details;
    }
}
