package io.imgfed.federation.liveness;

import io.imgfed.protocol.manifest.WireEnum;

/** How a DC looks from here: heard from recently, overdue, or given up on (no longer a source). */
public enum DcStatus implements WireEnum {
    ALIVE("alive"), SUSPECT("suspect"), GONE("gone");

    private final String wireName;

    DcStatus(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
