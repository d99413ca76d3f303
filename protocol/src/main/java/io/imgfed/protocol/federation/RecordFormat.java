package io.imgfed.protocol.federation;

/**
 * How a signed record is spelled on the board. Every DC reads both; a DC writes {@link #COMPACT} only once every DC
 * of the federation said (in its key record) that it reads it, so a federation in the middle of an upgrade keeps
 * working in {@link #JSON}.
 */
public enum RecordFormat {
    /** Format 1: a JSON object with the payload and signature in base64; what every imgfed reads. */
    JSON(1),
    /** Format 2: binary fields and the payload deflated ({@code CompactRecordCodec}); less than half the bytes. */
    COMPACT(2);

    private final int number;

    RecordFormat(int number) {
        this.number = number;
    }

    /** The number DCs announce in their key record as the newest format they read. */
    public int number() {
        return number;
    }
}
