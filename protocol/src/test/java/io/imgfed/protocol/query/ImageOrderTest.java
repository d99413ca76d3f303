package io.imgfed.protocol.query;

import static io.imgfed.protocol.testing.Fixtures.UUID_A;
import static io.imgfed.protocol.testing.Fixtures.UUID_B;
import static io.imgfed.protocol.testing.Fixtures.UUID_C;
import static io.imgfed.protocol.testing.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.protocol.manifest.Manifest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** ListImages order: published_at ascending, then uuid; never-published images last. */
class ImageOrderTest {

    private static ImageOrder key(String uuid, String publishedAt) {
        Manifest m = publishedAt == null ? image(uuid).unactivated().build() : image(uuid).publishedAt(publishedAt).build();
        return ImageOrder.of(m);
    }

    @Test
    void byPublishedAtThenUuid() {
        ImageOrder a1 = key(UUID_B, "2024-01-01T00:00:00.000Z");
        ImageOrder a2 = key(UUID_A, "2024-01-01T00:00:00.001Z");
        ImageOrder b1 = key(UUID_A, "2024-06-01T00:00:00.000Z");
        ImageOrder b2 = key(UUID_B, "2024-06-01T00:00:00.000Z");
        ImageOrder b3 = key(UUID_C, "2024-06-01T00:00:00.000Z");
        ImageOrder late = key(UUID_A, "2030-01-01T00:00:00.000Z");
        List<ImageOrder> expected = List.of(a1, a2, b1, b2, b3, late);
        List<ImageOrder> shuffled = new ArrayList<>(expected);
        Collections.reverse(shuffled);
        Collections.sort(shuffled);
        assertEquals(expected, shuffled);
    }

    @Test
    void secondPrecisionImportSortsWithMillisecondStamps() {
        // The validator stores "…:05Z" as "…:05.000Z", so it sorts before .001 of the same second.
        ImageOrder imported = key(UUID_B, "2024-01-02T03:04:05Z");
        ImageOrder stamped = key(UUID_A, "2024-01-02T03:04:05.001Z");
        assertTrue(imported.compareTo(stamped) < 0);
    }

    @Test
    void unpublishedSortsAfterEveryPublished() {
        ImageOrder unpublishedA = key(UUID_A, null);
        ImageOrder unpublishedB = key(UUID_B, null);
        ImageOrder far = key(UUID_C, "9999-12-31T23:59:59.999Z");
        assertTrue(far.compareTo(unpublishedA) < 0);
        assertTrue(unpublishedA.compareTo(unpublishedB) < 0, "unpublished ones are ordered by uuid");
        assertTrue(unpublishedB.compareTo(unpublishedA) > 0);
    }

    @Test
    void totalOrderConsistentWithEquals() {
        ImageOrder x = key(UUID_A, "2024-01-01T00:00:00.000Z");
        ImageOrder y = key(UUID_A, "2024-01-01T00:00:00.000Z");
        assertEquals(0, x.compareTo(y));
        assertEquals(x, y);
    }

    @Test
    void atTimeIsTheLowerBoundOfThatInstant() {
        String t = "2024-06-01T00:00:00.000Z";
        ImageOrder before = key(UUID_C, "2024-05-31T23:59:59.999Z");
        ImageOrder at = key(UUID_A, t);
        ImageOrder after = key(UUID_B, "2024-06-01T00:00:00.001Z");
        ImageOrder bound = ImageOrder.atTime(t);
        assertTrue(bound.compareTo(before) > 0);
        assertTrue(bound.compareTo(at) < 0);
        assertTrue(bound.compareTo(after) < 0);

        TreeMap<ImageOrder, String> index = new TreeMap<>();
        index.put(before, "before");
        index.put(at, "at");
        index.put(after, "after");
        index.put(key(UUID_A, null), "unpublished");
        assertEquals(List.of("at", "after", "unpublished"), new ArrayList<>(index.tailMap(bound, true).values()));
    }
}
