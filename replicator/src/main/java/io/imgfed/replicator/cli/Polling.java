package io.imgfed.replicator.cli;

/** The wait between two looks at the daemon, for the commands that watch or follow something. */
final class Polling {
    private Polling() {
    }

    /** Sleeps; Ctrl-C's interrupt ends the command like any other failure instead of being swallowed. */
    static void pause(double seconds) {
        try {
            Thread.sleep(Math.max(10, Math.round(seconds * 1000)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", e);
        }
    }
}
