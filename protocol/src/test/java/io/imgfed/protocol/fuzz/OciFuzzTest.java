package io.imgfed.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the OCI front's wire model: {@code ManifestDocument.parse}, {@code RepositoryName}, {@code Reference},
 * {@code UpstreamRef.resolve}, {@code AcceptHeader}, {@code ContentRange} and {@code TagPage}. Seeds:
 * {@code OciFuzzTestInputs/wire}. See {@link OciHarness} for the input layout and the invariants.
 */
class OciFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void wire(FuzzedDataProvider data) {
        OciHarness.run(data);
    }
}
