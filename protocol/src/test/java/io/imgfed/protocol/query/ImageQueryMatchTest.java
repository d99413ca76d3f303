package io.imgfed.protocol.query;

import static io.imgfed.protocol.testing.Fixtures.OTHER;
import static io.imgfed.protocol.testing.Fixtures.OWNER;
import static io.imgfed.protocol.testing.Fixtures.THIRD;
import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.image;
import static io.imgfed.protocol.testing.Fixtures.json;
import static io.imgfed.protocol.testing.Fixtures.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.manifest.Manifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ImageQuery.matches: every filter against real manifests. */
class ImageQueryMatchTest {

    private static boolean matches(Manifest m, String... nameValue) {
        return ImageQuery.parse(params(nameValue)).matches(m);
    }

    private static final Manifest ACTIVE = image(UUID_A).build();
    private static final Manifest UNACTIVATED = image(UUID_A).unactivated().build();
    private static final Manifest DISABLED = image(UUID_A).disabled().build();

    @Test
    void stateDefaultsToActiveOnly() {
        assertTrue(matches(ACTIVE));
        assertFalse(matches(UNACTIVATED));
        assertFalse(matches(DISABLED));
    }

    @Test
    void stateAllMatchesEveryState() {
        for (Manifest m : List.of(ACTIVE, UNACTIVATED, DISABLED)) {
            assertTrue(matches(m, "state", "all"), m::toString);
        }
    }

    @Test
    void eachStateMatchesOnlyItself() {
        assertTrue(matches(UNACTIVATED, "state", "unactivated"));
        assertFalse(matches(ACTIVE, "state", "unactivated"));
        assertTrue(matches(DISABLED, "state", "disabled"));
        assertFalse(matches(ACTIVE, "state", "disabled"));
        assertFalse(matches(DISABLED, "state", "active"));
        assertFalse(matches(ACTIVE, "state", "failed"));
        assertFalse(matches(ACTIVE, "state", "creating"));
    }

    @Test
    void owner() {
        assertTrue(matches(ACTIVE, "owner", OWNER));
        assertFalse(matches(ACTIVE, "owner", OTHER));
    }

    @ParameterizedTest
    @CsvSource({"base-64, true", "base, false", "~base, true", "~-6, true", "~64, true", "~, true", "~Base, false",
        "BASE-64, false", "~x, false"})
    void name(String filter, boolean expected) {
        assertEquals(expected, matches(ACTIVE, "name", filter));
    }

    @ParameterizedTest
    @CsvSource({"24.1.0, true", "24.1, false", "~24.1, true", "~.1., true", "~25, false"})
    void version(String filter, boolean expected) {
        assertEquals(expected, matches(ACTIVE, "version", filter));
    }

    @Test
    void isPublic() {
        Manifest pub = image(UUID_A).isPublic(true).build();
        assertTrue(matches(pub, "public", "true"));
        assertFalse(matches(pub, "public", "false"));
        assertTrue(matches(ACTIVE, "public", "false"));
        assertFalse(matches(ACTIVE, "public", "true"));
    }

    @ParameterizedTest
    @CsvSource({"smartos, true", "!smartos, false", "linux, false", "!linux, true"})
    void os(String filter, boolean expected) {
        assertEquals(expected, matches(ACTIVE, "os", filter));
    }

    @ParameterizedTest
    @CsvSource({"zone-dataset, true", "!zone-dataset, false", "zvol, false", "!zvol, true", "!docker, true"})
    void type(String filter, boolean expected) {
        assertEquals(expected, matches(ACTIVE, "type", filter));
    }

    @Test
    void tagsAreComparedAsText() {
        Manifest m = image(UUID_A).tags(Map.of("role", "db", "n", 1, "on", true, "ratio", 1.5)).build();
        assertTrue(matches(m, "tag.role", "db"));
        assertFalse(matches(m, "tag.role", "web"));
        assertTrue(matches(m, "tag.n", "1"));
        assertFalse(matches(m, "tag.n", "01"));
        assertTrue(matches(m, "tag.on", "true"));
        assertFalse(matches(m, "tag.on", "TRUE"));
        assertTrue(matches(m, "tag.ratio", "1.5"));
        assertFalse(matches(m, "tag.absent", "x"));
        assertTrue(matches(m, "tag.role", "db", "tag.n", "1"), "several tag filters all apply");
        assertFalse(matches(m, "tag.role", "db", "tag.n", "2"));
        assertFalse(matches(ACTIVE, "tag.role", "db"), "an image without tags");
    }

    /** As in IMGAPI's search index: a tag whose value is an object, an array or null is found by tag.KEY= only. */
    @Test
    void complexTagValuesMatchTheEmptyValue() {
        Manifest m = image(UUID_A).set("tags", json("{'o':{'a':'x'},'l':['x'],'z':null}")).build();
        for (String key : List.of("tag.o", "tag.l", "tag.z")) {
            assertTrue(matches(m, key, ""), key);
            assertFalse(matches(m, key, "x"), key);
        }
    }

    @Test
    void everyBillingTagGivenIsRequired() {
        Manifest m = image(UUID_A).set("billing_tags", List.of("gold", "ssd")).build();
        assertTrue(matches(m, "billing_tag", "gold"));
        assertTrue(matches(m, "billing_tag", "gold", "billing_tag", "ssd"));
        assertFalse(matches(m, "billing_tag", "gold", "billing_tag", "hdd"));
        assertFalse(matches(ACTIVE, "billing_tag", "gold"));
    }

    @Test
    void accountVisibility() {
        Manifest pub = image(UUID_A).isPublic(true).build();
        Manifest shared = image(UUID_A).acl(THIRD).build();
        assertTrue(matches(ACTIVE, "account", OWNER));
        assertFalse(matches(ACTIVE, "account", OTHER));
        assertTrue(matches(pub, "account", OTHER));
        assertTrue(matches(shared, "account", THIRD));
        assertFalse(matches(shared, "account", OTHER));
        assertFalse(matches(image(UUID_A).isPublic(true).unactivated().build(), "account", OTHER, "state", "all"),
                "public but not active is not visible to others, even with state=all");
        assertTrue(matches(UNACTIVATED, "account", OWNER, "state", "all"));
    }

    @Test
    void filtersCombine() {
        assertTrue(matches(ACTIVE, "owner", OWNER, "name", "~base", "os", "smartos", "type", "!zvol", "public", "false"));
        assertFalse(matches(ACTIVE, "owner", OWNER, "name", "~base", "os", "linux"));
    }
}
