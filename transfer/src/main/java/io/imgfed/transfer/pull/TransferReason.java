package io.imgfed.transfer.pull;

/** Why a file crossed into this DC; billing events carry it. */
public enum TransferReason {
    PROVISION("provision"), PREFETCH("prefetch"), IMPORT("import");

    private final String wireName;

    TransferReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
