package io.imgfed.replicator.catalog;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.query.ImageOrder;
import io.imgfed.protocol.query.ImageQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory view ListImages and GetImage read: images by uuid, in ListImages order, and by file.
 * Written by the catalog's single writer; read concurrently from any thread. Keys share the manifests' own
 * strings, and a file used by one image (nearly every file) maps to that image's uuid rather than to a set.
 */
final class ImageIndex {
    private final Map<String, Manifest> byUuid = new ConcurrentHashMap<>();
    private final NavigableMap<ImageOrder, Manifest> ordered = new ConcurrentSkipListMap<>();
    /** sha1 to the uuid of the one image with that file, or to an immutable set of several. */
    private final Map<String, Object> byFile = new ConcurrentHashMap<>();
    /**
     * Images per home DC, kept as images come and go: every heartbeat reports this DC's count, and counting a
     * catalog of a million images each time took a quarter of a core.
     */
    private final Map<String, AtomicLong> homed = new ConcurrentHashMap<>();

    Manifest get(String uuid) {
        return byUuid.get(uuid);
    }

    Collection<Manifest> all() {
        return byUuid.values();
    }

    int size() {
        return byUuid.size();
    }

    long homedAt(String dc) {
        AtomicLong n = homed.get(dc);
        return n == null ? 0 : n.get();
    }

    @SuppressWarnings("unchecked")
    Set<String> imagesWithFile(String sha1) {
        Object v = byFile.get(sha1);
        return v == null ? Set.of() : v instanceof String uuid ? Set.of(uuid) : (Set<String>) v;
    }

    void put(Manifest m) {
        Manifest old = byUuid.put(m.uuid(), m);
        if (old != null) {
            ordered.remove(ImageOrder.of(old));
            unlinkFile(old);
            homed.get(old.homeDc()).decrementAndGet();
        }
        homed.computeIfAbsent(m.homeDc(), dc -> new AtomicLong()).incrementAndGet();
        ordered.put(ImageOrder.of(m), m);
        if (m.hasFile()) {
            byFile.compute(m.fileSha1(), (k, v) -> with(v, m.uuid()));
        }
    }

    @SuppressWarnings("unchecked")
    private static Object with(Object current, String uuid) {
        if (current == null || current.equals(uuid)) {
            return uuid;
        }
        Set<String> s = new HashSet<>(current instanceof String one ? Set.of(one) : (Set<String>) current);
        s.add(uuid);
        return Set.copyOf(s);
    }

    @SuppressWarnings("unchecked")
    private static Object without(Object current, String uuid) {
        if (current instanceof String one) {
            return one.equals(uuid) ? null : one;
        }
        Set<String> s = new HashSet<>((Set<String>) current);
        s.remove(uuid);
        return s.size() == 1 ? s.iterator().next() : Set.copyOf(s);
    }

    void remove(String uuid) {
        Manifest old = byUuid.remove(uuid);
        if (old != null) {
            ordered.remove(ImageOrder.of(old));
            unlinkFile(old);
            homed.get(old.homeDc()).decrementAndGet();
        }
    }

    private void unlinkFile(Manifest m) {
        if (m.hasFile()) {
            byFile.computeIfPresent(m.fileSha1(), (k, v) -> without(v, m.uuid()));
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
