package io.imgfed.protocol.query;

import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static io.imgfed.protocol.testing.Fixtures.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageOs;
import io.imgfed.protocol.manifest.ImageState;
import io.imgfed.protocol.manifest.ImageType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** ListImages parameters: each is honoured exactly or refused as InvalidParameter naming it. */
class ImageQueryParseTest {

    private static ImageQuery parse(String... nameValue) {
        return ImageQuery.parse(params(nameValue));
    }

    private static void invalid(String field, String... nameValue) {
        ImgapiError e = fails(ErrorCode.INVALID_PARAMETER, () -> ImageQuery.parse(params(nameValue)));
        assertEquals(422, e.httpStatus());
        assertOnlyFieldError(e, field, Code.Invalid);
    }

    @Test
    void defaults() {
        ImageQuery q = parse();
        assertEquals(Set.of(ImageState.ACTIVE), q.states());
        assertEquals(1000, q.limit());
        assertNull(q.marker());
        assertNull(q.owner());
        assertNull(q.account());
        assertNull(q.name());
        assertNull(q.isPublic());
        assertNull(q.os());
        assertNull(q.type());
        assertTrue(q.tags().isEmpty());
        assertTrue(q.billingTags().isEmpty());
    }

    // ---- state ----

    @Test
    void stateAllMeansNoStateFilter() {
        assertNull(parse("state", "all").states());
    }

    @ParameterizedTest
    @CsvSource({"active, ACTIVE", "unactivated, UNACTIVATED", "disabled, DISABLED", "creating, CREATING", "failed, FAILED"})
    void eachState(String given, ImageState state) {
        assertEquals(Set.of(state), parse("state", given).states());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ALL", "Active", "deleted", "", "active,disabled", "*"})
    void invalidState(String state) {
        invalid("state", "state", state);
    }

    // ---- owner / account ----

    @Test
    void ownerAndAccount() {
        ImageQuery q = parse("owner", OWNER, "account", UUID_A);
        assertEquals(OWNER, q.owner());
        assertEquals(UUID_A, q.account());
    }

    @ParameterizedTest
    @ValueSource(strings = {"owner", "account"})
    void ownerAndAccountMustBeLowercaseUuids(String param) {
        invalid(param, param, UUID_A.toUpperCase());
        invalid(param, param, "me");
        invalid(param, param, "");
    }

    // ---- name / version ----

    @Test
    void nameAndVersionExactOrSubstring() {
        ImageQuery q = parse("name", "base-64", "version", "~24.");
        assertEquals(new ImageQuery.TextMatch("base-64", false), q.name());
        assertEquals(new ImageQuery.TextMatch("24.", true), q.version());
        assertEquals(new ImageQuery.TextMatch("~x", true), parse("name", "~~x").name(), "only the first ~ is the operator");
    }

    // ---- public ----

    @Test
    void publicTrueOrFalse() {
        assertEquals(Boolean.TRUE, parse("public", "true").isPublic());
        assertEquals(Boolean.FALSE, parse("public", "false").isPublic());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRUE", "yes", "1", "0", "", "truee"})
    void publicInvalid(String value) {
        invalid("public", "public", value);
    }

    // ---- os / type ----

    @Test
    void osAndTypeWithNegation() {
        ImageQuery q = parse("os", "!smartos", "type", "zvol");
        assertEquals(new ImageQuery.EnumMatch<>(ImageOs.SMARTOS, true), q.os());
        assertEquals(new ImageQuery.EnumMatch<>(ImageType.ZVOL, false), q.type());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Linux", "dos", "", "!", "!!linux", "~linux", "linux "})
    void invalidOs(String os) {
        invalid("os", "os", os);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vm", "ZVOL", "", "!", "!zone"})
    void invalidType(String type) {
        invalid("type", "type", type);
    }

    // ---- tags / billing tags ----

    @Test
    void tagFiltersAndRepeatedBillingTags() {
        ImageQuery q = parse("tag.role", "db", "tag.n", "1", "billing_tag", "gold", "billing_tag", "ssd");
        assertEquals(Map.of("role", "db", "n", "1"), q.tags());
        assertEquals(List.of("gold", "ssd"), q.billingTags());
    }

    @Test
    void tagWithoutKeyIsInvalid() {
        invalid("tag", "tag.", "x");
    }

    @Test
    void sameTagTwiceIsInvalid() {
        invalid("tag.role", "tag.role", "db", "tag.role", "web");
    }

    // ---- limit ----

    @ParameterizedTest
    @CsvSource({"1, 1", "500, 500", "1000, 1000"})
    void limitInRange(String given, int limit) {
        assertEquals(limit, parse("limit", given).limit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "1001", "abc", "", "1.5", "1e3", " 10", "0x10", "99999999999999999999",
        "2147483648", "-2147483649", "9223372036854775808"})
    void limitOutOfRangeOrNotANumber(String limit) {
        invalid("limit", "limit", limit);
    }

    // ---- marker ----

    @Test
    void uuidMarker() {
        assertEquals(new ImageQuery.UuidMarker(UUID_A), parse("marker", UUID_A).marker());
    }

    @ParameterizedTest
    @CsvSource({
        "2024-01-02,                2024-01-02T00:00:00.000Z",
        "2024-01-02T03:04:05Z,      2024-01-02T03:04:05.000Z",
        "2024-01-02T03:04:05.678Z,  2024-01-02T03:04:05.678Z",
        "2024-02-29,                2024-02-29T00:00:00.000Z"})
    void dateMarkersAreNormalisedToMilliseconds(String given, String normalised) {
        assertEquals(new ImageQuery.DateMarker(normalised), parse("marker", given).marker());
    }

    @ParameterizedTest
    @ValueSource(strings = {"AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa", "tomorrow", "",
        "2024-1-2", "2024-01-02T03:04:05", "2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05+01:00", "1704164645",
        "1704164645678", "2023-02-29", "2024-13-01", "2024-01-02T25:00:00Z", "2024-01-02 03:04:05Z"})
    void malformedMarker(String marker) {
        invalid("marker", "marker", marker);
    }

    // ---- single-valued parameters ----

    @ParameterizedTest
    @ValueSource(strings = {"state", "owner", "name", "version", "public", "os", "type", "account", "limit", "marker"})
    void singleValuedParameterGivenTwice(String param) {
        String value = switch (param) {
            case "state" -> "active";
            case "owner", "account", "marker" -> UUID_A;
            case "public" -> "true";
            case "os" -> "linux";
            case "type" -> "zvol";
            case "limit" -> "10";
            default -> "x";
        };
        invalid(param, param, value, param, value);
    }

    @Test
    void unrelatedParametersAreLeftToTheCaller() {
        ImageQuery q = parse("foo", "bar", "foo", "baz");
        assertFalse(q.states().isEmpty());
    }
}
