package io.imgfed.protocol.federation;

/** What a gossiped record describes; its one-letter prefix starts the record's key on the board. */
public enum RecordKind {
    /** A DC's record-signing public key (and, with CA trust, its certificate). */
    KEY("k"),
    /** A DC's heartbeat and summary: peer address, software version, files and bytes held. */
    DC("d"),
    /** The manifest of an image homed at the publishing DC, or its tombstone. */
    MANIFEST("m"),
    /** Whether the publishing DC holds a file: present, pulling (with progress) or absent. */
    AVAILABILITY("a"),
    /** A tag of the OCI front pushed at the publishing DC, with its manifests and blobs, or its tombstone. */
    OCI_TAG("o");

    private final String prefix;

    RecordKind(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public static RecordKind fromPrefix(String p) {
        for (RecordKind k : values()) {
            if (k.prefix.equals(p)) {
                return k;
            }
        }
        return null;
    }

    /** Whether records of this kind name an object (uuid, sha1) besides their DC. */
    public boolean hasId() {
        return this == MANIFEST || this == AVAILABILITY || this == OCI_TAG;
    }
}
