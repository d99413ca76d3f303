package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.protocol.query.UploadParams;
import io.imgfed.protocol.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Values with two spellings are refused, so one instant or number is stored and compared one way only:
 * no 24:00 or leap-second timestamps, no '+' signs on numbers; URL schemes are case-insensitive as RFC 3986 says.
 */
class CanonicalFormsTest {

    @ParameterizedTest
    @ValueSource(strings = {"2024-01-01T24:00:00Z", "2024-01-01T24:00:00.000Z", "2016-12-31T23:59:60Z"})
    void importRefusesNonCanonicalTimes(String when) {
        ObjectNode body = Fixtures.createBody();
        body.put("uuid", Fixtures.UUID_A);
        body.put("published_at", when);
        assertOnlyFieldError(Fixtures.importFails(body, Fixtures.UUID_A), "published_at", FieldError.Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-01-01T24:00:00Z", "2016-12-31T23:59:60.000Z"})
    void markerRefusesNonCanonicalTimes(String when) {
        fails(ErrorCode.INVALID_PARAMETER, () -> ImageQuery.parse(Map.of("marker", List.of(when))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+5", "-5", " 5", "5.0", "0x10"})
    void limitTakesPlainDigitsOnly(String limit) {
        fails(ErrorCode.INVALID_PARAMETER, () -> ImageQuery.parse(Map.of("limit", List.of(limit))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+5", "5e3", "0x10", "99999999999999999999"})
    void contentLengthTakesPlainDigitsOnly(String length) {
        fails(ErrorCode.INVALID_HEADER, () -> UploadParams.parse(Map.of("compression", List.of("none")), length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP://example.com/", "Https://example.com/x"})
    void urlSchemesAreCaseInsensitive(String url) {
        ObjectNode body = Fixtures.createBody();
        body.put("homepage", url);
        assertEquals(url, ManifestValidator.validateCreate(body, Fixtures.OWNER).get("homepage").asText());
    }
}
