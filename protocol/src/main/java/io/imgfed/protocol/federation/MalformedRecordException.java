package io.imgfed.protocol.federation;

/** Bytes on the federation board that are not a well-formed record (or payload) of the kind they claim. */
public final class MalformedRecordException extends Exception {
    public MalformedRecordException(String message) {
        super(message, null, false, false);
    }
}
