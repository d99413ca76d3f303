package io.imgfed.protocol.manifest;

/** The computed state of an image; never accepted from clients. */
public enum ImageState implements WireEnum {
    UNACTIVATED("unactivated"), ACTIVE("active"), DISABLED("disabled"), CREATING("creating"), FAILED("failed");

    private final String wireName;

    ImageState(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
