package io.imgfed.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes manifest parsing and validation: {@code Json.parseBody}, {@code ManifestValidator.validateCreate /
 * validateImport / validateUpdate / validateAclBody} and the {@code Manifest} forms ({@code of}, {@code toJson},
 * {@code toStoredJson}, {@code fromStoredJson}, the gossiped record). Seeds: {@code ManifestFuzzTestInputs/manifests}.
 * See {@link ManifestHarness} for the input layout and the invariants.
 */
class ManifestFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void manifests(FuzzedDataProvider data) {
        ManifestHarness.run(data);
    }
}
