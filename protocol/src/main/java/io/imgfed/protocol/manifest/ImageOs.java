package io.imgfed.protocol.manifest;

/** IMGAPI image operating systems. */
public enum ImageOs implements WireEnum {
    SMARTOS("smartos"), LINUX("linux"), WINDOWS("windows"), BSD("bsd"), ILLUMOS("illumos"), OTHER("other");

    private final String wireName;

    ImageOs(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
