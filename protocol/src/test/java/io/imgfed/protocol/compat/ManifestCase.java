package io.imgfed.protocol.compat;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One generated request for the differential test: the operation, the body (exactly the JSON both validators
 * parse), and what the request carries beside the body (CreateImage's {@code ?account=}, AdminImportImage's
 * path uuid). The label says what the case varies, for reading failures.
 */
record ManifestCase(int id, String label, Op op, JsonNode body, String account, String pathUuid) {

    /** The validator entry points compared: CreateImage and AdminImportImage. */
    enum Op {
        CREATE("create"), IMPORT("import");

        final String wire;

        Op(String wire) {
            this.wire = wire;
        }
    }

    @Override
    public String toString() {
        return "#" + id + " " + op.wire + " " + label + (account != null ? " account=" + account : "");
    }
}
