package io.imgfed.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes HTTP query parsing: {@code ImageQuery.parse} with {@code matches}, and {@code UploadParams.parse}. Seeds:
 * {@code QueryFuzzTestInputs/queries}. See {@link QueryHarness} for the input layout and the invariants.
 */
class QueryFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void queries(FuzzedDataProvider data) {
        QueryHarness.run(data);
    }
}
