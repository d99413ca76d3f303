package io.imgfed.protocol.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Assertions on the errors this package refuses input with. */
final class OciAssertions {
    private OciAssertions() {
    }

    /** Runs {@code call}, which must refuse with {@code code}; returns the error for more checks. */
    static OciError fails(OciErrorCode code, Executable call) {
        OciException e = assertThrows(OciException.class, call);
        assertEquals(code, e.error().code(), e::getMessage);
        assertTrue(e.error().message() != null && !e.error().message().isBlank(), "an error has a message");
        return e.error();
    }

    /** As {@link #fails(OciErrorCode, Executable)}, and the message mentions every one of {@code words}. */
    static OciError fails(OciErrorCode code, Executable call, String... words) {
        OciError e = fails(code, call);
        for (String w : words) {
            assertTrue(e.message().contains(w), () -> "message lacks '" + w + "': " + e.message());
        }
        return e;
    }
}
