package io.imgfed.transfer.pull;

import io.imgfed.protocol.manifest.WireEnum;

/**
 * Why a file crossed into this DC; billing events carry it. {@code upload} is a file sent to a DC that is not the
 * image's home and forwarded there: its bytes cross from the receiving DC into the home DC.
 */
public enum TransferReason implements WireEnum {
    PROVISION("provision"), PREFETCH("prefetch"), IMPORT("import"), UPLOAD("upload");

    private final String wireName;

    TransferReason(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
