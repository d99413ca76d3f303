package io.imgfed.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The committed seeds do what their names say, so the fuzz tests' regression runs (and the start of every
 * fuzzing run) go through real paths rather than bouncing off the parser: {@code accepted-*} manifests pass
 * validation and every round trip, {@code decoded-*} records decode down to their payload, and so on.
 * Seeds named {@code any-*} (structured inputs) and Jazzer's {@code crash-*} reproducers are not checked here.
 * The seeds are read as Jazzer reads them ({@link SeedData}), without its agent.
 */
class FuzzSeedsTest {

    @TestFactory
    Stream<DynamicTest> manifestSeeds() throws Exception {
        return seeds("ManifestFuzzTestInputs/manifests", d -> ManifestHarness.run(d).name(), "accepted", "ACCEPTED",
                "refused", "REFUSED", "notjson", "NOT_JSON");
    }

    @TestFactory
    Stream<DynamicTest> recordSeeds() throws Exception {
        return seeds("RecordFuzzTestInputs/records", d -> RecordHarness.run(d).name(), "decoded", "DECODED",
                "malformed-wire", "MALFORMED_RECORD", "malformed-payload", "MALFORMED_PAYLOAD");
    }

    @TestFactory
    Stream<DynamicTest> querySeeds() throws Exception {
        return seeds("QueryFuzzTestInputs/queries", d -> QueryHarness.run(d).name(), "accepted", "ACCEPTED",
                "refused", "REFUSED");
    }

    @TestFactory
    Stream<DynamicTest> ociSeeds() throws Exception {
        return seeds("OciFuzzTestInputs/wire", d -> OciHarness.run(d).name(), "accepted", "ACCEPTED",
                "refused", "REFUSED");
    }

    /** One test per seed whose name starts with a known prefix; prefixAndOutcome pairs a prefix with its outcome. */
    private Stream<DynamicTest> seeds(String dir, Function<FuzzedDataProvider, String> harness,
            String... prefixAndOutcome) throws IOException, URISyntaxException {
        Path base = Path.of(getClass().getResource(dir).toURI());
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(base)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                for (int i = 0; i < prefixAndOutcome.length; i += 2) {
                    if (name.startsWith(prefixAndOutcome[i] + "-")) {
                        String expected = prefixAndOutcome[i + 1];
                        tests.add(DynamicTest.dynamicTest(name, () -> {
                            assertEquals(expected, harness.apply(SeedData.of(Files.readAllBytes(f))), name);
                        }));
                        break;
                    }
                }
            }
        }
        assertTrue(tests.size() >= 5, "too few seeds in " + base);
        return tests.stream();
    }
}
