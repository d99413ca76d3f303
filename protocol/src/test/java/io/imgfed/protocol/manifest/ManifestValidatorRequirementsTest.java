package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.assertCreateAccepts;
import static io.imgfed.protocol.testing.Fixtures.assertCreateInvalid;
import static io.imgfed.protocol.testing.Fixtures.assertHasFieldError;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.createBody;
import static io.imgfed.protocol.testing.Fixtures.createFails;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.repeat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** requirements: every key's shape, unknown keys, min_ram vs max_ram, bootrom only for bhyve. */
class ManifestValidatorRequirementsTest {

    private static ImgapiError withRequirements(JsonNode requirements) {
        ObjectNode body = createBody();
        body.set("requirements", requirements);
        return createFails(body);
    }

    @Test
    void everyKeyTogetherRoundTripsUnchanged() {
        assertCreateAccepts("requirements", json("{'networks':[{'name':'net0','description':'public'}],"
                + "'brand':'bhyve','ssh_key':true,'min_ram':512,'max_ram':1024,"
                + "'min_platform':{'7.0':'20130101T000000Z'},'max_platform':{'7.0':'20300101T000000Z','6.5':'20200101T000000Z'},"
                + "'bootrom':'uefi'}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{'networks':[]}", "{'ssh_key':false}", "{'min_ram':1}", "{'max_ram':131072}",
        "{'min_ram':1024,'max_ram':1024}", "{'brand':'joyent-minimal'}", "{'brand':'bhyve','bootrom':'bios'}",
        "{'min_platform':{'7.0':'20130101T000000Z'}}", "{'max_ram':4294967296000}"})
    void goodRequirements(String req) {
        assertCreateAccepts("requirements", json(req));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "'bhyve'", "1", "true", "null"})
    void requirementsMustBeAnObject(String req) {
        assertOnlyFieldError(withRequirements(json(req)), "requirements", Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo", "min_cpu", "Brand", "max-ram"})
    void unknownRequirementIsNotAllowedAndNamed(String key) {
        ObjectNode req = Json.object().put(key, 1);
        assertOnlyFieldError(withRequirements(req), "requirements." + key, Code.NotAllowed);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "networks     | 'net0'",
        "networks     | ['net0']",
        "networks     | [{'name':'net0'}]",
        "networks     | [{'description':'public'}]",
        "networks     | [{'name':'net0','description':'d','vlan':1}]",
        "networks     | [{'name':1,'description':'d'}]",
        "networks     | [{'name':'net0','description':null}]",
        "networks     | {'name':'net0','description':'d'}",
        "brand        | 1",
        "brand        | ''",
        "brand        | ['bhyve']",
        "brand        | null",
        "ssh_key      | 'true'",
        "ssh_key      | 1",
        "ssh_key      | null",
        "min_ram      | 0",
        "min_ram      | -1",
        "min_ram      | 1.5",
        "min_ram      | '512'",
        "min_ram      | null",
        "min_ram      | 18446744073709551617",
        "max_ram      | 0",
        "max_ram      | -512",
        "max_ram      | 512.0",
        "max_ram      | true",
        "max_ram      | -18446744073709551615",
        "min_platform | {}",
        "min_platform | '7.0'",
        "min_platform | []",
        "min_platform | {'7':'20130101T000000Z'}",
        "min_platform | {'7.0.1':'20130101T000000Z'}",
        "min_platform | {'7.0':'2013-01-01'}",
        "min_platform | {'7.0':'20130101T000000'}",
        "min_platform | {'7.0':20130101}",
        "min_platform | {'7.0':'20130101T000000Z','x':'20130101T000000Z'}",
        "max_platform | {}",
        "max_platform | {'7.0':null}",
        "max_platform | {'seven':'20130101T000000Z'}",
        // IMGAPI's ranges (imgmanifest validPlatformVersion): year from 2012, month, day, hour, minute, second
        "min_platform | {'7.0':'20111231T235959Z'}",
        "min_platform | {'7.0':'20130001T000000Z'}",
        "min_platform | {'7.0':'20131301T000000Z'}",
        "min_platform | {'7.0':'20130100T000000Z'}",
        "min_platform | {'7.0':'20130132T000000Z'}",
        "max_platform | {'7.0':'20130131T240000Z'}",
        "max_platform | {'7.0':'20130131T236000Z'}",
        "max_platform | {'7.0':'20130131T235960Z'}",
        "bootrom      | 'BIOS'",
        "bootrom      | 'coreboot'",
        "bootrom      | ''",
        "bootrom      | 1",
    })
    void badRequirementValue(String key, String value) {
        ObjectNode req = Json.object();
        req.set(key, json(value));
        if (key.equals("bootrom")) {
            req.put("brand", "bhyve");
        }
        assertOnlyFieldError(withRequirements(req), "requirements." + key, Code.Invalid);
    }

    @Test
    void brandLengthBoundary() {
        assertCreateAccepts("requirements", Json.object().put("brand", repeat('b', 64)));
        assertOnlyFieldError(withRequirements(Json.object().put("brand", repeat('b', 65))), "requirements.brand", Code.Invalid);
    }

    @Test
    void minRamAboveMaxRamIsInvalid() {
        assertOnlyFieldError(withRequirements(json("{'min_ram':2048,'max_ram':1024}")), "requirements.min_ram", Code.Invalid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'bootrom':'bios'}", "{'bootrom':'uefi','brand':'kvm'}", "{'bootrom':'bios','brand':'BHYVE'}"})
    void bootromOnlyWithBrandBhyve(String req) {
        assertOnlyFieldError(withRequirements(json(req)), "requirements.bootrom", Code.Invalid);
    }

    @Test
    void everyBadKeyIsReported() {
        ImgapiError e = withRequirements(json("{'ssh_key':1,'min_ram':0,'foo':true,'networks':'x'}"));
        assertEquals(4, e.errors().size(), e.errors()::toString);
        assertHasFieldError(e, "requirements.ssh_key", Code.Invalid);
        assertHasFieldError(e, "requirements.min_ram", Code.Invalid);
        assertHasFieldError(e, "requirements.foo", Code.NotAllowed);
        assertHasFieldError(e, "requirements.networks", Code.Invalid);
    }

    @Test
    void requirementsBesideOtherErrorsAreStillChecked() {
        ObjectNode body = createBody();
        body.set("requirements", json("{'min_ram':-5}"));
        body.put("os", "plan9");
        ImgapiError e = createFails(body);
        assertEquals(2, e.errors().size(), e.errors()::toString);
        assertHasFieldError(e, "requirements.min_ram", Code.Invalid);
        assertHasFieldError(e, "os", Code.Invalid);
    }

    @Test
    void validRequirementsAreNotRewritten() {
        ObjectNode req = (ObjectNode) json("{'min_platform':{'7.0':'20130101T000000Z'},'brand':'lx'}");
        ObjectNode body = createBody();
        body.set("requirements", req.deepCopy());
        assertEquals(req, ManifestValidator.validateCreate(body, OWNER).get("requirements"));
    }

    @Test
    void unsupportedFieldKeyWithControlCharsIsEscaped() {
        ObjectNode req = Json.object().put("a\tb", 1);
        assertCreateInvalid("requirements", json("[]"));
        assertOnlyFieldError(withRequirements(req), "requirements.a\\u0009b", Code.NotAllowed);
    }
}
