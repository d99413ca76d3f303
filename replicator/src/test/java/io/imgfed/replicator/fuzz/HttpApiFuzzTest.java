package io.imgfed.replicator.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the client API over real HTTP: fuzzed methods, paths, query strings, headers and bodies against two
 * daemons in this JVM (no auth, and HTTP Signature auth). Every answer must be below 500 and every error IMGAPI's
 * JSON with a code. Seeds: {@code HttpApiFuzzTestInputs/requests}; see {@link HttpApiHarness} for their layout.
 */
class HttpApiFuzzTest {
    @TempDir
    static Path dir;
    static HttpApiHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = HttpApiHarness.start(dir);
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @FuzzTest(maxDuration = "30s")
    void requests(FuzzedDataProvider data) throws Exception {
        harness.run(data);
    }

    /**
     * The seeds do what their names say ({@code ok-*} served, {@code error-*} refused with a 4xx), so the
     * regression runs and the start of every fuzzing run go through real handlers. Runs with the regression
     * run of this class, not while fuzzing.
     */
    @TestFactory
    Stream<DynamicTest> seedsReachTheirHandlers() throws Exception {
        Path seeds = Path.of(getClass().getResource("HttpApiFuzzTestInputs/requests").toURI());
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(seeds)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                HttpApiHarness.Outcome expected = name.startsWith("ok-") ? HttpApiHarness.Outcome.OK
                        : name.startsWith("error-") ? HttpApiHarness.Outcome.CLIENT_ERROR : null;
                if (expected != null) {
                    tests.add(DynamicTest.dynamicTest(name, () ->
                            assertEquals(expected, harness.run(SeedData.of(Files.readAllBytes(f))), name)));
                }
            }
        }
        assertTrue(tests.size() >= 10, "too few seeds in " + seeds);
        return tests.stream();
    }
}
