package io.imgfed.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes federation record decoding: {@code SignedRecord.decode}, {@code payloadJson} and
 * {@code ManifestRecord / AvailabilityRecord / DcRecord / KeyRecord.fromPayload}. Seeds:
 * {@code RecordFuzzTestInputs/records}. See {@link RecordHarness} for the input layout and the invariants.
 */
class RecordFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void records(FuzzedDataProvider data) {
        RecordHarness.run(data);
    }
}
