package io.imgfed.protocol.query;

import io.imgfed.protocol.manifest.Manifest;
import java.util.Comparator;

/**
 * ListImages order: by published_at ascending, ties by uuid, images never published last. A total order,
 * so an inclusive marker always resumes exactly where the previous page ended.
 */
public record ImageOrder(String publishedAt, String uuid) implements Comparable<ImageOrder> {

    /** Sorts after every real timestamp ('~' follows the digits in ASCII). */
    private static final String UNPUBLISHED = "~";

    public static final Comparator<ImageOrder> COMPARATOR =
            Comparator.comparing(ImageOrder::publishedAt).thenComparing(ImageOrder::uuid);

    public static ImageOrder of(Manifest m) {
        return new ImageOrder(m.publishedAt() == null ? UNPUBLISHED : m.publishedAt(), m.uuid());
    }

    /** The smallest key at or after a publication time. */
    public static ImageOrder atTime(String publishedAt) {
        return new ImageOrder(publishedAt, "");
    }

    @Override
    public int compareTo(ImageOrder o) {
        return COMPARATOR.compare(this, o);
    }
}
