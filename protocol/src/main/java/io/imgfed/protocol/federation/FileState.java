package io.imgfed.protocol.federation;

import io.imgfed.protocol.manifest.WireEnum;

/** Whether a DC holds a file. */
public enum FileState implements WireEnum {
    PRESENT("present"), PULLING("pulling"), ABSENT("absent");

    private final String wireName;

    FileState(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
