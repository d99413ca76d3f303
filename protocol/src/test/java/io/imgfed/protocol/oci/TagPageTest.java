package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.OciAssertions.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tag listing pages as the spec's content-discovery section describes them, and their body. */
class TagPageTest {

    private static final RepositoryName REPO = RepositoryName.parse("library/alpine");
    /** Out of order on purpose, with a duplicate: the page sorts. Upper case sorts before lower (byte order). */
    private static final List<String> TAGS = List.of("b", "a", "c", "B", "d", "a", "3.19", "latest");

    @Test
    void allTagsSortedInByteOrderWithoutN() {
        TagPage p = TagPage.of(TAGS, null, null);
        assertEquals(List.of("3.19", "B", "a", "b", "c", "d", "latest"), p.tags());
        assertFalse(p.hasMore());
        assertNull(p.linkHeader(REPO));
    }

    @Test
    void nLimitsAndLinksToTheNextPage() {
        TagPage p = TagPage.of(TAGS, 2, null);
        assertEquals(List.of("3.19", "B"), p.tags());
        assertEquals("</v2/library/alpine/tags/list?n=2&last=B>; rel=\"next\"", p.linkHeader(REPO));

        TagPage second = TagPage.of(TAGS, 2, p.next());
        assertEquals(List.of("a", "b"), second.tags());
        TagPage third = TagPage.of(TAGS, 2, second.next());
        assertEquals(List.of("c", "d"), third.tags());
        TagPage fourth = TagPage.of(TAGS, 2, third.next());
        assertEquals(List.of("latest"), fourth.tags());
        assertNull(fourth.linkHeader(REPO), "the last page has no Link");
    }

    @Test
    void aPageThatEndsExactlyAtTheLastTagHasNoLink() {
        TagPage p = TagPage.of(List.of("a", "b"), 2, null);
        assertEquals(List.of("a", "b"), p.tags());
        assertFalse(p.hasMore());
        assertNull(p.linkHeader(REPO));
    }

    @Test
    void lastIsExclusiveAndNeedNotBeATag() {
        assertEquals(List.of("c", "d", "latest"), TagPage.of(TAGS, null, "b").tags());
        assertEquals(List.of("c", "d", "latest"), TagPage.of(TAGS, null, "bb").tags(), "between b and c");
        assertEquals(List.of(), TagPage.of(TAGS, null, "zzz").tags(), "after every tag");
        assertEquals(List.of(), TagPage.of(TAGS, 5, "latest").tags());
        assertEquals(TagPage.of(TAGS, null, null), TagPage.of(TAGS, null, ""), "an empty last is none");
    }

    @Test
    void nZeroIsAnEmptyPageWithoutALink() {
        TagPage p = TagPage.of(TAGS, 0, null);
        assertEquals(List.of(), p.tags());
        assertNull(p.linkHeader(REPO));
        assertEquals(List.of(), TagPage.of(TAGS, 0, "a").tags());
    }

    @Test
    void nLargerThanTheTagsIsEverything() {
        TagPage p = TagPage.of(TAGS, 1_000, null);
        assertEquals(7, p.tags().size());
        assertNull(p.linkHeader(REPO));
    }

    @Test
    void theServerCapCutsLongPagesWithALink() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            many.add(String.format("t%04d", i));
        }
        TagPage p = TagPage.of(many, null, null);
        assertEquals(TagPage.MAX_PAGE, p.tags().size());
        assertEquals("</v2/library/alpine/tags/list?n=1000&last=t0999>; rel=\"next\"", p.linkHeader(REPO));
        TagPage big = TagPage.of(many, 5000, null);
        assertEquals(TagPage.MAX_PAGE, big.tags().size(), "n above the cap is cut to it, with a Link");
        assertTrue(big.hasMore());
        TagPage capped = TagPage.of(many, null, "t2400", 50);
        assertEquals(50, capped.tags().size());
        assertEquals("t2450", capped.next());
        assertThrows(IllegalArgumentException.class, () -> TagPage.of(many, null, null, 0));
    }

    @Test
    void aSortedSetIsReadInPlace() {
        TreeSet<String> set = new TreeSet<>(TAGS);
        assertEquals(TagPage.of(TAGS, 3, "a"), TagPage.of(set, 3, "a"));
        TreeSet<String> reversed = new TreeSet<>(java.util.Comparator.reverseOrder());
        reversed.addAll(TAGS);
        assertEquals(TagPage.of(TAGS, 3, "a"), TagPage.of(reversed, 3, "a"), "another order is re-sorted");
        assertEquals(TagPage.of(TAGS, 3, "a"), TagPage.of(Set.copyOf(TAGS), 3, "a"));
    }

    @Test
    void noTagsIsAnEmptyList() {
        TagPage p = TagPage.of(List.of(), 10, null);
        assertEquals(List.of(), p.tags());
        JsonNode body = Json.tree(TagList.of(REPO, p).toBytes());
        assertTrue(body.get("tags").isArray(), "an empty array, never null");
        assertEquals(0, body.get("tags").size());
    }

    @Test
    void tagListBody() {
        JsonNode body = Json.tree(TagList.of(REPO, TagPage.of(TAGS, 2, null)).toBytes());
        assertEquals("library/alpine", body.get("name").asText());
        assertEquals("[\"3.19\",\"B\"]", body.get("tags").toString());
        assertEquals(Set.of("name", "tags"), fieldNames(body));
        assertEquals("application/json", TagList.CONTENT_TYPE);
    }

    @Test
    void parseLimit() {
        assertNull(TagPage.parseLimit(null));
        assertNull(TagPage.parseLimit(""), "n= is as if absent");
        assertEquals(0, TagPage.parseLimit("0"));
        assertEquals(25, TagPage.parseLimit("25"));
        assertEquals(7, TagPage.parseLimit("007"));
        assertEquals(999_999_999, TagPage.parseLimit("999999999"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "+1", "1.5", "abc", " 1", "1 ", "0x10", "1e3", "9999999999", "\u0661"})
    void badLimitsAreAClearError(String n) {
        OciError e = fails(OciErrorCode.PAGINATION_NUMBER_INVALID, () -> TagPage.parseLimit(n),
                "is not a non-negative integer");
        assertEquals(400, e.httpStatus());
    }

    @Test
    void negativeNIsAClearErrorToo() {
        fails(OciErrorCode.PAGINATION_NUMBER_INVALID, () -> TagPage.of(TAGS, -1, null), "n=-1 is negative");
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
