package io.imgfed.replicator.oci.mirror;

/**
 * An upstream registry did not give what was asked. {@code notFound}: it answered that the manifest, blob or
 * repository does not exist (a fact about the content, not the upstream's health); otherwise it failed (down,
 * refused, timed out, answered garbage), which counts against its backoff.
 */
public final class UpstreamException extends RuntimeException {
    private final boolean notFound;

    public UpstreamException(String message, boolean notFound) {
        super(message, null, false, false);
        this.notFound = notFound;
    }

    public UpstreamException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause, false, false);
        this.notFound = false;
    }

    public boolean notFound() {
        return notFound;
    }
}
