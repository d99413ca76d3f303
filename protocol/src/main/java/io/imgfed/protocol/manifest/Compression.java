package io.imgfed.protocol.manifest;

/** Compression of an image file, as declared by the uploader. */
public enum Compression implements WireEnum {
    GZIP("gzip"), BZIP2("bzip2"), XZ("xz"), NONE("none");

    private final String wireName;

    Compression(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
