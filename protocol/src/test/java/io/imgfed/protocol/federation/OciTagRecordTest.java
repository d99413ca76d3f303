package io.imgfed.protocol.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.pieces.FilePieces;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An OCI tag record survives its payload, and a payload whose manifest bytes are not their digest is refused. */
class OciTagRecordTest {
    private static final byte[] BODY = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = OciDigest.sha256(BODY).toString();

    private static OciTagRecord record() {
        return new OciTagRecord("team/app", "1.0",
                List.of(new OciTagRecord.Manifest(DIGEST, "application/vnd.oci.image.manifest.v1+json", BODY)),
                List.of(new OciTagRecord.Blob(DIGEST, "ab".repeat(20), 12, new FilePieces(4 << 20, "cd".repeat(32))),
                        new OciTagRecord.Blob(DIGEST, "ef".repeat(20), 0, null)), 0);
    }

    @Test
    void aRecordSurvivesItsPayload() throws Exception {
        OciTagRecord r = record();
        OciTagRecord back = OciTagRecord.fromPayload(Json.tree(r.toPayload()));
        assertEquals(r.repository(), back.repository());
        assertEquals(r.tag(), back.tag());
        assertEquals(r.blobs(), back.blobs());
        assertArrayEquals(BODY, back.manifests().get(0).body());
        assertEquals(DIGEST, back.digest());
        assertEquals(64, r.id().length());
        OciTagRecord gone = OciTagRecord.fromPayload(Json.tree(OciTagRecord.deleted("team/app", "1.0", 5).toPayload()));
        assertTrue(gone.isDeleted());
        assertEquals(r.id(), gone.id(), "one board key per tag");
    }

    @Test
    void manifestBytesThatAreNotTheirDigestAreRefused() {
        ObjectNode p = (ObjectNode) Json.tree(record().toPayload());
        ((ObjectNode) p.withArray("manifests").get(0)).put("body", java.util.Base64.getEncoder()
                .encodeToString("{\"schemaVersion\":3}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedRecordException.class, () -> OciTagRecord.fromPayload(p));
        ObjectNode badName = (ObjectNode) Json.tree(record().toPayload());
        badName.put("repository", "../etc");
        assertThrows(MalformedRecordException.class, () -> OciTagRecord.fromPayload(badName));
        ObjectNode badSha1 = (ObjectNode) Json.tree(record().toPayload());
        ((ObjectNode) badSha1.withArray("blobs").get(0)).put("sha1", "xyz");
        assertThrows(MalformedRecordException.class, () -> OciTagRecord.fromPayload(badSha1));
    }
}
