package io.imgfed.protocol.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A billing event names the front that asked for the bytes; events from before fronts read as IMGAPI's. */
class TransferEventFrontTest {
    @Test
    void anOciEventKeepsItsFrontAndHasNoImageOrOwner() {
        TransferEvent e = new TransferEvent("5232070c-dd7d-493e-a1d8-81137f39b51d", TransferEvent.Type.COMPLETED, null,
                null, "a30d6d685751b50519ba04ab7ecb64381742eea0", 10, 10, "a", "b", "provision",
                Instant.parse("2026-12-07T00:00:00Z"), Instant.parse("2026-12-07T00:00:01Z"), 1, "oci");
        TransferEvent back = TransferEvent.fromJson(e.toJson());
        assertEquals("oci", back.front());
        assertNull(back.imageUuid());
        assertNull(back.owner());
        assertEquals(e, back);
    }

    @Test
    void anEventWithoutAFrontIsImgapis() {
        String old = "{\"schema\":\"imgfed.transfer.v1\",\"event_id\":\"5232070c-dd7d-493e-a1d8-81137f39b51d\","
                + "\"type\":\"transfer.completed\",\"image_uuid\":\"e7ab08d4-0628-48f0-a1c0-709df147115e\","
                + "\"owner\":\"930896af-bf8c-48d4-885c-6573a94b1853\",\"file_sha1\":\"a30d6d685751b50519ba04ab7ecb64381742eea0\","
                + "\"bytes\":1,\"size\":1,\"source_dc\":\"a\",\"dest_dc\":\"b\",\"reason\":\"provision\","
                + "\"started_at\":\"2026-11-22T22:34:30.579Z\",\"completed_at\":\"2026-11-22T22:34:31.400Z\",\"attempts\":1}";
        assertEquals("imgapi", TransferEvent.fromJson(old.getBytes(StandardCharsets.UTF_8)).front());
    }
}
