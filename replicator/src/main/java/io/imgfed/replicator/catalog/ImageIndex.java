package io.imgfed.replicator.catalog;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.query.ImageOrder;
import io.imgfed.protocol.query.ImageQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The in-memory view ListImages and GetImage read: images by uuid, in ListImages order, and by file.
 * Written by the catalog's single writer; read concurrently from any thread.
 */
final class ImageIndex {
    private final Map<String, Manifest> byUuid = new ConcurrentHashMap<>();
    private final NavigableMap<ImageOrder, Manifest> ordered = new ConcurrentSkipListMap<>();
    private final Map<String, Set<String>> byFile = new ConcurrentHashMap<>();

    Manifest get(String uuid) {
        return byUuid.get(uuid);
    }

    Collection<Manifest> all() {
        return byUuid.values();
    }

    int size() {
        return byUuid.size();
    }

    Set<String> imagesWithFile(String sha1) {
        Set<String> s = byFile.get(sha1);
        return s == null ? Set.of() : Set.copyOf(s);
    }

    void put(Manifest m) {
        Manifest old = byUuid.put(m.uuid(), m);
        if (old != null) {
            ordered.remove(ImageOrder.of(old));
            unlinkFile(old);
        }
        ordered.put(ImageOrder.of(m), m);
        if (m.file() != null) {
            byFile.computeIfAbsent(m.file().sha1(), k -> ConcurrentHashMap.newKeySet()).add(m.uuid());
        }
    }

    void remove(String uuid) {
        Manifest old = byUuid.remove(uuid);
        if (old != null) {
            ordered.remove(ImageOrder.of(old));
            unlinkFile(old);
        }
    }

    private void unlinkFile(Manifest m) {
        if (m.file() != null) {
            byFile.computeIfPresent(m.file().sha1(), (k, s) -> {
                s.remove(m.uuid());
                return s.isEmpty() ? null : s;
            });
        }
    }

    /** One ListImages page: matching images from the (inclusive) marker on, in order, at most limit. */
    List<Manifest> page(ImageQuery q) {
        NavigableMap<ImageOrder, Manifest> from = ordered;
        if (q.marker() instanceof ImageQuery.UuidMarker um) {
            Manifest m = byUuid.get(um.uuid());
            if (m == null || !m.visibleTo(q.account())) {
                throw ImgapiError.invalidParameter("marker", "marker image " + um.uuid() + " does not exist").toException();
            }
            from = ordered.tailMap(ImageOrder.of(m), true);
        } else if (q.marker() instanceof ImageQuery.DateMarker dm) {
            from = ordered.tailMap(ImageOrder.atTime(dm.publishedAt()), true);
        }
        List<Manifest> out = new ArrayList<>(Math.min(q.limit(), 64));
        for (Manifest m : from.values()) {
            if (q.matches(m)) {
                out.add(m);
                if (out.size() >= q.limit()) {
                    break;
                }
            }
        }
        return out;
    }
}
