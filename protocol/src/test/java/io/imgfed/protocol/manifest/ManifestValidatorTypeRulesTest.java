package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.assertHasFieldError;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.createBody;
import static io.imgfed.protocol.testing.Fixtures.createFails;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.repeat;
import static io.imgfed.protocol.testing.Fixtures.zvolBody;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Rules that depend on the image type: the four zvol fields and inherited_directories. */
class ManifestValidatorTypeRulesTest {

    static final List<String> ZVOL_FIELDS = List.of("nic_driver", "disk_driver", "cpu_type", "image_size");
    static final List<String> NON_ZVOL_TYPES = List.of("zone-dataset", "lx-dataset", "lxd", "docker", "other");

    @Test
    void completeZvolPasses() {
        ObjectNode out = ManifestValidator.validateCreate(zvolBody(), OWNER);
        assertEquals("virtio", out.get("nic_driver").asText());
        assertEquals(10240, out.get("image_size").asLong());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nic_driver", "disk_driver", "cpu_type", "image_size"})
    void zvolRequiresEachField(String field) {
        ObjectNode body = zvolBody();
        body.remove(field);
        assertOnlyFieldError(createFails(body), field, Code.MissingParameter);
    }

    @Test
    void zvolWithoutAnyOfThemNamesAllFour() {
        ObjectNode body = zvolBody();
        ZVOL_FIELDS.forEach(body::remove);
        ImgapiError e = createFails(body);
        assertEquals(4, e.errors().size(), e.errors()::toString);
        ZVOL_FIELDS.forEach(f -> assertHasFieldError(e, f, Code.MissingParameter));
    }

    static Stream<Arguments> nonZvolTypeAndZvolField() {
        return NON_ZVOL_TYPES.stream().flatMap(t -> ZVOL_FIELDS.stream().map(f -> Arguments.of(t, f)));
    }

    @ParameterizedTest
    @MethodSource("nonZvolTypeAndZvolField")
    void zvolFieldsAreNotAllowedOnOtherTypes(String type, String field) {
        ObjectNode body = zvolBody();
        body.put("type", type);
        ZVOL_FIELDS.stream().filter(f -> !f.equals(field)).forEach(body::remove);
        assertOnlyFieldError(createFails(body), field, Code.NotAllowed);
    }

    static Stream<Arguments> badZvolValues() {
        return Stream.of(
                Arguments.of("nic_driver", TextNode.valueOf("")), Arguments.of("nic_driver", IntNode.valueOf(1)),
                Arguments.of("nic_driver", TextNode.valueOf(repeat('n', 65))), Arguments.of("nic_driver", TextNode.valueOf("e1000\0")),
                Arguments.of("disk_driver", TextNode.valueOf("")), Arguments.of("disk_driver", json("['virtio']")),
                Arguments.of("disk_driver", TextNode.valueOf(repeat('d', 65))),
                Arguments.of("cpu_type", TextNode.valueOf("")), Arguments.of("cpu_type", json("null")),
                Arguments.of("cpu_type", TextNode.valueOf(repeat('c', 65))),
                Arguments.of("image_size", IntNode.valueOf(0)), Arguments.of("image_size", IntNode.valueOf(-1)),
                Arguments.of("image_size", json("1.5")), Arguments.of("image_size", TextNode.valueOf("10240")),
                Arguments.of("image_size", json("null")), Arguments.of("image_size", json("18446744073709551617")),
                Arguments.of("image_size", json("-18446744073709551615")));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badZvolValues")
    void badZvolFieldValue(String field, JsonNode value) {
        ObjectNode body = zvolBody();
        body.set(field, value);
        // One complaint: the bad value, not also "missing".
        assertOnlyFieldError(createFails(body), field, Code.Invalid);
    }

    @Test
    void zvolStringFieldsAtTheirLengthLimitPass() {
        ObjectNode body = zvolBody();
        body.put("nic_driver", repeat('n', 64));
        body.put("disk_driver", repeat('d', 64));
        body.put("cpu_type", repeat('c', 64));
        body.put("image_size", Long.MAX_VALUE);
        ManifestValidator.validateCreate(body, OWNER);
    }

    @Test
    void withAnInvalidTypeNoTypeDependentRuleFires() {
        ObjectNode body = zvolBody();
        body.put("type", "vm");
        body.remove("nic_driver");
        body.set("inherited_directories", json("['/opt']"));
        assertOnlyFieldError(createFails(body), "type", Code.Invalid);
    }

    @Test
    void inheritedDirectoriesAllowedForZoneDataset() {
        ObjectNode body = createBody();
        body.set("inherited_directories", json("['/opt']"));
        assertEquals(json("['/opt']"), ManifestValidator.validateCreate(body, OWNER).get("inherited_directories"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lx-dataset", "lxd", "docker", "other", "zvol"})
    void inheritedDirectoriesNotAllowedForOtherTypes(String type) {
        ObjectNode body = type.equals("zvol") ? zvolBody() : createBody();
        body.put("type", type);
        body.set("inherited_directories", json("['/opt']"));
        assertOnlyFieldError(createFails(body), "inherited_directories", Code.NotAllowed);
    }
}
