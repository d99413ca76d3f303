package io.imgfed.transfer.store;

import java.io.IOException;

/** The disk under the blob store has no room left for the bytes being written. */
public final class StoreFullException extends IOException {
    public StoreFullException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether an I/O failure is the kernel's "no space left on device" (ENOSPC) or a quota refusal (EDQUOT). */
    public static boolean isNoSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
