package io.imgfed.protocol.manifest;

/**
 * Bounds how many manifests keep their public JSON: the last {@link #SLOTS} that built it, first in, first out.
 * A DC lists every image of the federation, but clients ask for a few pages and single images over and over;
 * caching the JSON of all of them would cost about 400 bytes of heap per image that nobody here may ever ask
 * for. A manifest pushed out keeps working and builds its JSON again when asked.
 */
final class PublicJsonCache {
    /** Sixteen pages of ListImages' largest limit. */
    static final int SLOTS = 1 << 14;

    private static final Manifest[] RING = new Manifest[SLOTS];
    private static int next;

    private PublicJsonCache() {
    }

    /** Records that {@code m} now holds its JSON, dropping the JSON of the manifest admitted {@link #SLOTS} ago. */
    static synchronized void admitted(Manifest m) {
        Manifest old = RING[next];
        if (old != null && old != m) {
            old.dropPublicJson();
        }
        RING[next] = m;
        next = (next + 1) & (SLOTS - 1);
    }
}
