package io.imgfed.protocol.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spec's error codes with their statuses, the error value, and the body the front renders. */
class OciErrorsTest {

    @ParameterizedTest
    @CsvSource({
        "BLOB_UNKNOWN, 404", "BLOB_UPLOAD_INVALID, 400", "BLOB_UPLOAD_UNKNOWN, 404", "DIGEST_INVALID, 400",
        "MANIFEST_BLOB_UNKNOWN, 404", "MANIFEST_INVALID, 400", "MANIFEST_UNKNOWN, 404", "NAME_INVALID, 400",
        "NAME_UNKNOWN, 404", "SIZE_INVALID, 400", "UNAUTHORIZED, 401", "DENIED, 403", "UNSUPPORTED, 415",
        "TOOMANYREQUESTS, 429", "TAG_INVALID, 400", "RANGE_INVALID, 416", "PAGINATION_NUMBER_INVALID, 400",
        "UNAVAILABLE, 503", "UNKNOWN, 500"})
    void everyCodeHasItsStatus(String wireName, int status) {
        OciErrorCode code = OciErrorCode.fromWireName(wireName).orElseThrow();
        assertEquals(wireName, code.wireName());
        assertEquals(status, code.httpStatus());
        assertEquals(status, OciError.of(code).httpStatus());
        assertFalse(code.defaultMessage().isBlank());
    }

    @Test
    void theTableAboveListsEveryCode() {
        assertEquals(19, OciErrorCode.values().length, "a new code needs a row in everyCodeHasItsStatus");
    }

    @Test
    void theSpecsFourteenCodesAreAllThere() {
        Set<String> spec = Set.of("BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
                "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN",
                "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS");
        for (String s : spec) {
            assertTrue(OciErrorCode.fromWireName(s).isPresent(), s);
        }
    }

    @Test
    void onlyUnknownIsA500AndNothingIsBelow400() {
        EnumSet<OciErrorCode> fiveHundreds = EnumSet.noneOf(OciErrorCode.class);
        for (OciErrorCode c : OciErrorCode.values()) {
            assertTrue(c.httpStatus() >= 400, c::toString);
            if (c.httpStatus() >= 500) {
                fiveHundreds.add(c);
            }
        }
        assertEquals(EnumSet.of(OciErrorCode.UNAVAILABLE, OciErrorCode.UNKNOWN), fiveHundreds);
    }

    @Test
    void unknownWireNameIsEmpty() {
        assertEquals(Optional.empty(), OciErrorCode.fromWireName("NOPE"));
        assertEquals(Optional.empty(), OciErrorCode.fromWireName(null));
        assertEquals(Optional.empty(), OciErrorCode.fromWireName("blob_unknown"));
    }

    @Test
    void errorTakesTheDefaultMessageWhenGivenNone() {
        assertEquals("blob unknown to registry", new OciError(OciErrorCode.BLOB_UNKNOWN, null).message());
        assertEquals("blob unknown to registry", new OciError(OciErrorCode.BLOB_UNKNOWN, "  ").message());
        assertEquals("x", new OciError(OciErrorCode.BLOB_UNKNOWN, "x").message());
        assertThrows(NullPointerException.class, () -> new OciError(null, "x"));
    }

    @Test
    void detailIsCopiedAndNullLikeDetailIsNone() {
        ObjectNode detail = Json.object().put("digest", "sha256:x");
        OciError e = new OciError(OciErrorCode.BLOB_UNKNOWN, "m", detail);
        detail.put("digest", "changed");
        assertEquals("sha256:x", e.detail().path("digest").asText(), "the error keeps its own copy");
        assertNull(new OciError(OciErrorCode.BLOB_UNKNOWN, "m", Json.tree("null")).detail());
        assertNull(OciError.of(OciErrorCode.BLOB_UNKNOWN).withDetail(null).detail());
        assertEquals(e, new OciError(OciErrorCode.BLOB_UNKNOWN, "m").withDetail(e.detail()));
    }

    @Test
    void bodyIsTheSpecsShape() {
        byte[] body = OciErrors.body(List.of(
                new OciError(OciErrorCode.MANIFEST_BLOB_UNKNOWN, "blob a is missing", Json.object().put("digest", "a")),
                new OciError(OciErrorCode.MANIFEST_BLOB_UNKNOWN, "blob b is missing")));
        JsonNode root = Json.tree(body);
        assertEquals(Set.of("errors"), fieldNames(root));
        assertEquals(2, root.get("errors").size());
        JsonNode first = root.get("errors").get(0);
        assertEquals("MANIFEST_BLOB_UNKNOWN", first.get("code").asText());
        assertEquals("blob a is missing", first.get("message").asText());
        assertEquals("a", first.get("detail").get("digest").asText());
        JsonNode second = root.get("errors").get(1);
        assertFalse(second.has("detail"), "no detail key when there is none, as distribution writes it");
        assertEquals(Set.of("code", "message"), fieldNames(second));
    }

    @Test
    void bodyOfOneError() {
        JsonNode root = Json.tree(OciErrors.body(OciError.of(OciErrorCode.NAME_UNKNOWN)));
        assertEquals("NAME_UNKNOWN", root.at("/errors/0/code").asText());
        assertEquals("repository name not known to registry", root.at("/errors/0/message").asText());
    }

    @Test
    void bodyNeedsAnError() {
        assertThrows(IllegalArgumentException.class, () -> OciErrors.body(List.of()));
        assertThrows(IllegalArgumentException.class, () -> OciErrors.body((List<OciError>) null));
    }

    @Test
    void exceptionCarriesTheErrorWithoutAStackTrace() {
        OciException e = new OciException(OciErrorCode.DENIED, "not yours");
        assertEquals(OciErrorCode.DENIED, e.error().code());
        assertEquals(403, e.httpStatus());
        assertEquals(0, e.getStackTrace().length);
        assertEquals("DENIED: not yours", e.getMessage());
        assertEquals(e.error(), e.error().toException().error());
    }

    @Test
    void hostileInputInAMessageIsCutAndEscaped() {
        String hostile = "a\u0000b\"c\\d\ud800" + "x".repeat(200);
        String q = Quoted.of(hostile);
        assertTrue(q.length() < 160, q);
        assertTrue(q.startsWith("\"a\\u0000b\\u0022c\\u005cd\\ud800x"), q);
        assertTrue(q.endsWith("(cut, 208 characters)"), q);
        for (char c : q.toCharArray()) {
            assertTrue(c >= 0x20 && c < 0x7f, "printable ASCII only: " + q);
        }
        // And the JSON writer takes it.
        byte[] body = OciErrors.body(new OciError(OciErrorCode.NAME_INVALID, "name " + q));
        assertTrue(Json.tree(body).at("/errors/0/message").asText().contains("(cut, 208 characters)"));
        assertEquals("\"short\"", Quoted.of("short"));
        assertEquals("(none)", Quoted.of((String) null));
        assertEquals("'x'", Quoted.of('x'));
        assertEquals("U+0007", Quoted.of('\u0007'));
        assertEquals("it's \"fine\"", Quoted.text("it's \"fine\"", 100));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
