package io.imgfed.protocol.manifest;

/** IMGAPI image types. */
public enum ImageType implements WireEnum {
    ZONE_DATASET("zone-dataset"), ZVOL("zvol"), LX_DATASET("lx-dataset"), LXD("lxd"), DOCKER("docker"), OTHER("other");

    private final String wireName;

    ImageType(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
