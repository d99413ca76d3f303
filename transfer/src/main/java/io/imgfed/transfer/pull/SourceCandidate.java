package io.imgfed.transfer.pull;

/** A DC that can serve a file, and where its peer listener is. */
public record SourceCandidate(String dc, String peerAddress) {
}
