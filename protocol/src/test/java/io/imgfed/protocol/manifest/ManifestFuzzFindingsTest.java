package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.createBody;
import static io.imgfed.protocol.testing.Fixtures.createFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reproducers of what the manifest fuzz test (io.imgfed.protocol.fuzz.ManifestFuzzTest) found, fixed since. */
class ManifestFuzzFindingsTest {

    /**
     * Was accepted: 1e400 parses to a double Infinity, which the stored and public forms write as the string
     * "Infinity", so the image changed on its way through the catalog and the federation.
     */
    @Test
    void tagNumberOutOfDoubleRangeIsInvalid() {
        for (String number : new String[] {"1e400", "-1.5E+309"}) {
            ObjectNode body = (ObjectNode) Json.parseBody(
                    ("{\"owner\":\"" + OWNER + "\",\"name\":\"n\",\"version\":\"1\",\"type\":\"zone-dataset\","
                            + "\"os\":\"smartos\",\"tags\":{\"big\":" + number + "}}").getBytes(StandardCharsets.UTF_8));
            assertOnlyFieldError(createFails(body), "tags", FieldError.Code.Invalid);
        }
    }

    /** Numbers at the edge of the double range are kept and survive the stored form. */
    @Test
    void tagNumbersInRangeRoundTrip() {
        ObjectNode body = createBody();
        body.putObject("tags").put("max", -Double.MAX_VALUE).put("tiny", Double.MIN_VALUE).put("long", Long.MIN_VALUE);
        ObjectNode fields = ManifestValidator.validateCreate(Json.parseBody(Json.bytes(body)), OWNER);
        fields.put("uuid", UUID_A);
        Manifest m = Manifest.of(fields, null, false, "dc");
        Manifest back = Manifest.fromStoredJson(Json.tree(Json.bytes(m.toStoredJson())));
        assertArrayEquals(m.toJsonBytes(), back.toJsonBytes());
        org.junit.jupiter.api.Assertions.assertEquals(m, back);
    }
}
