package io.imgfed.transfer.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints of running transfers: the newest survives the process, an ended transfer leaves none. */
class RunningTransfersTest {
    @TempDir
    Path dir;

    static byte[] event(String s) {
        return ("{\"e\":\"" + s + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theNewestCheckpointOfATransferThatNeverEndedIsLeftForTheNextStart() throws Exception {
        RunningTransfers first = RunningTransfers.open(dir);
        first.checkpoint("t1", List.of(event("old")));
        first.checkpoint("t1", List.of(event("a"), event("b")));
        first.checkpoint("t2", List.of(event("ended")));
        first.forget("t2");
        first.close(); // what a dead process leaves is what it had written: close waits for the queued writes

        RunningTransfers next = RunningTransfers.open(dir);
        List<RunningTransfers.Leftover> left = next.takeLeftovers();
        assertEquals(1, left.size(), "only the transfer that never ended");
        assertEquals(List.of("{\"e\":\"a\"}", "{\"e\":\"b\"}"),
                left.get(0).events().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
        next.delete(left);
        assertTrue(next.takeLeftovers().isEmpty());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temp files either");
        }
        next.close();
    }
}
