package io.imgfed.federation.liveness;

/** One DC as seen from here, for {@code /federation/dcs} and source choice. */
public record DcView(String dc, String peer, DcStatus status, long lastSeenMillis, String version, long filesHeld,
        long bytesHeld, long imagesHomed, boolean self) {
}
