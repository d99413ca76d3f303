package io.imgfed.protocol.manifest;

import static io.imgfed.protocol.testing.Fixtures.OTHER;
import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.THIRD;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.assertCreateAccepts;
import static io.imgfed.protocol.testing.Fixtures.assertCreateInvalid;
import static io.imgfed.protocol.testing.Fixtures.assertOnlyFieldError;
import static io.imgfed.protocol.testing.Fixtures.createBody;
import static io.imgfed.protocol.testing.Fixtures.fails;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.node;
import static io.imgfed.protocol.testing.Fixtures.repeat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError.Code;
import io.imgfed.protocol.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** acl, users, billing_tags, traits, tags, channels and the shape of inherited_directories. */
class ManifestValidatorCollectionsTest {

    // ---- acl ----

    @Test
    void aclIsDedupedKeepingFirstOccurrenceOrder() {
        ObjectNode body = createBody();
        body.set("acl", node(List.of(OTHER, THIRD, OTHER, THIRD, OWNER)));
        ObjectNode out = ManifestValidator.validateCreate(body, OWNER);
        assertEquals(node(List.of(OTHER, THIRD, OWNER)), out.get("acl"));
    }

    @Test
    void emptyAclIsAccepted() {
        assertCreateAccepts("acl", json("[]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"['not-a-uuid']", "['22222222-2222-4222-8222-222222222222', 'x']",
        "['22222222-2222-4222-8222-22222222222A']", "[1]", "[null]", "[['22222222-2222-4222-8222-222222222222']]",
        "['']", "'22222222-2222-4222-8222-222222222222'", "{}", "null", "true"})
    void badAcl(String acl) {
        assertCreateInvalid("acl", json(acl));
    }

    @Test
    void aclSizeBoundary() {
        assertEquals(1024, ManifestValidator.MAX_ACL);
        assertEquals(ManifestValidator.MAX_ACL, assertCreateAccepts("acl", node(accounts(ManifestValidator.MAX_ACL))).get("acl").size());
        assertCreateInvalid("acl", node(accounts(ManifestValidator.MAX_ACL + 1)));
    }

    @Test
    void aclBodyForAddAndRemove() {
        assertEquals(List.of(OTHER, THIRD), ManifestValidator.validateAclBody(node(List.of(OTHER, THIRD))));
        assertOnlyFieldError(fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateAclBody(json("[]"))),
                "acl", Code.MissingParameter);
        for (String bad : new String[] {"{'acl':[]}", "'x'", "null", "['x']", "[1]"}) {
            assertOnlyFieldError(fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateAclBody(json(bad))),
                    "acl", Code.Invalid);
        }
        assertOnlyFieldError(fails(ErrorCode.VALIDATION_FAILED, () -> ManifestValidator.validateAclBody(null)),
                "acl", Code.Invalid);
    }

    @Test
    void aclBodyReportsEveryBadEntry() {
        var e = fails(ErrorCode.VALIDATION_FAILED,
                () -> ManifestValidator.validateAclBody(node(List.of("x", OTHER, UUID_A.toUpperCase()))));
        assertEquals(2, e.errors().size(), e.errors()::toString);
        e.errors().forEach(f -> assertEquals("acl", f.field()));
    }

    // ---- users ----

    @Test
    void goodUsers() {
        assertCreateAccepts("users", json("[{'name':'root'},{'name':'admin'}]"));
        assertCreateAccepts("users", json("[]"));
        assertCreateAccepts("users", node(List.of(Map.of("name", repeat('u', 1024)))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"'root'", "['root']", "[{}]", "[{'name':''}]", "[{'name':1}]", "[{'name':null}]",
        "[{'name':'a','uid':0}]", "[{'user':'root'}]", "{'name':'root'}", "[[{'name':'root'}]]", "null"})
    void badUsers(String users) {
        assertCreateInvalid("users", json(users));
    }

    @Test
    void userNameLengthLimit() {
        assertCreateInvalid("users", node(List.of(Map.of("name", repeat('u', 1025)))));
    }

    // ---- billing_tags ----

    @Test
    void billingTagLengthBoundary() {
        assertEquals(128, ManifestValidator.MAX_BILLING_TAG);
        assertCreateAccepts("billing_tags", node(List.of("small", repeat('b', 128))));
        assertCreateInvalid("billing_tags", node(List.of("small", repeat('b', 129))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"'tag'", "[1]", "['']", "[null]", "[['a']]", "{}", "null"})
    void badBillingTags(String tags) {
        assertCreateInvalid("billing_tags", json(tags));
    }

    @Test
    void billingTagWithNulIsInvalid() {
        assertCreateInvalid("billing_tags", node(List.of("a\0b")));
    }

    // ---- traits ----

    @Test
    void goodTraits() {
        assertCreateAccepts("traits", json("{'ssd':true,'tier':'gold','regions':['us','eu'],'none':[]}"));
        assertCreateAccepts("traits", json("{}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'a':1}", "{'a':null}", "{'a':{}}", "{'a':[1]}", "{'a':['x',true]}", "{'a':1.5}",
        "[]", "'ssd'", "true", "null"})
    void badTraits(String traits) {
        assertCreateInvalid("traits", json(traits));
    }

    // ---- tags ----

    @Test
    void tagValuesMayBeStringsNumbersOrBooleans() {
        assertCreateAccepts("tags", json("{'role':'db','n':1,'ratio':1.5,'on':true,'empty':''}"));
        assertCreateAccepts("tags", json("{}"));
    }

    /** As in IMGAPI, whose validator takes any value but a function and whose search index reads it as "". */
    @ParameterizedTest
    @ValueSource(strings = {"{'a':[]}", "{'a':['x']}", "{'a':{}}", "{'a':null}", "{'a':{'b':[1,{'c':null}]}}"})
    void tagValuesMayBeAnyJson(String tags) {
        assertCreateAccepts("tags", json(tags));
    }

    @Test
    void aNumberOutOfRangeIsRefusedAtAnyDepth() {
        assertCreateInvalid("tags", Json.tree("{\"a\":{\"b\":[1e400]}}"));
        assertCreateInvalid("tags", Json.tree("{\"a\":-1e400}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'':'x'}", "[]", "'role=db'", "1", "null"})
    void badTags(String tags) {
        assertCreateInvalid("tags", json(tags));
    }

    @Test
    void tagsJsonSizeBoundary() {
        assertEquals(100 * 1024, ManifestValidator.MAX_TAGS_JSON);
        // {"k":"<n chars>"} is n + 8 bytes of JSON.
        int n = ManifestValidator.MAX_TAGS_JSON - 8;
        ObjectNode atLimit = Json.object().put("k", repeat('t', n));
        assertEquals(ManifestValidator.MAX_TAGS_JSON, Json.bytes(atLimit).length);
        assertCreateAccepts("tags", atLimit);
        assertCreateInvalid("tags", Json.object().put("k", repeat('t', n + 1)));
    }

    @Test
    void tagsLimitCountsUtf8BytesNotCharacters() {
        // 51200 two-byte characters: far fewer than 100 Ki characters, but more than 100 KiB.
        assertCreateInvalid("tags", Json.object().put("k", repeat('\u00e9', ManifestValidator.MAX_TAGS_JSON / 2)));
    }

    // ---- channels ----

    @Test
    void goodChannels() {
        assertCreateAccepts("channels", json("['stable','dev','release-1.x','a_b','0']"));
        assertCreateAccepts("channels", node(List.of("c" + repeat('x', 127))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"['Stable']", "['']", "['-dev']", "['.dev']", "['dev channel']", "['dév']", "[1]", "'stable'",
        "{}", "null"})
    void badChannels(String channels) {
        assertCreateInvalid("channels", json(channels));
    }

    @Test
    void channelLengthLimit() {
        assertCreateInvalid("channels", node(List.of("c" + repeat('x', 128))));
    }

    // ---- inherited_directories (shape; the type rule is in ManifestValidatorTypeRulesTest) ----

    @Test
    void inheritedDirectoriesShape() {
        assertCreateAccepts("inherited_directories", json("['/opt','/usr/local']"));
        assertCreateAccepts("inherited_directories", node(List.of(repeat('d', 1024))));
        assertCreateInvalid("inherited_directories", node(List.of(repeat('d', 1025))));
        for (String bad : new String[] {"'/opt'", "[1]", "['']", "[null]", "{}"}) {
            assertCreateInvalid("inherited_directories", json(bad));
        }
        assertCreateInvalid("inherited_directories", node(List.of("/opt\0")));
    }

    @Test
    void fieldsWithTextNodesOfTheWrongKindAreInvalidNotCrashing() {
        for (String f : new String[] {"acl", "users", "billing_tags", "traits", "tags", "channels", "inherited_directories"}) {
            assertCreateInvalid(f, TextNode.valueOf("x"));
        }
    }

    private static List<String> accounts(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new UUID(0x1111_1111_1111_4111L, 0x8000_0000_0000_0000L | i).toString());
        }
        return out;
    }
}
