package io.imgfed.federation.board;

import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The newest version the board accepted under each key, so that an older or repeated record is dropped before its
 * signature is checked. A DC keeps one entry per record of the whole federation (two per image: its manifest and
 * its file's availability), so the ids of image records (a uuid, a sha1) are kept as the numbers their hex digits
 * spell, in flat arrays per kind and DC: about 40 bytes an entry where a map of board-key strings to boxed longs
 * took about 150. Used on the board thread only.
 */
final class AcceptedVersions {
    private final Map<String, Long> perDc = new HashMap<>();
    private final Map<RecordKind, Map<String, IdVersions>> perId = new EnumMap<>(RecordKind.class);

    /** The version accepted under the record's key, or 0 (versions are positive). */
    long get(SignedRecord r) {
        if (!r.kind().hasId()) {
            return perDc.getOrDefault(r.boardKey(), 0L);
        }
        Map<String, IdVersions> byDc = perId.get(r.kind());
        IdVersions ids = byDc == null ? null : byDc.get(r.dc());
        return ids == null ? 0 : ids.get(r.id());
    }

    void put(SignedRecord r) {
        if (!r.kind().hasId()) {
            perDc.put(r.boardKey(), r.version());
            return;
        }
        int words = r.kind() == RecordKind.MANIFEST ? 2 : r.kind() == RecordKind.OCI_TAG ? 4 : 3;
        perId.computeIfAbsent(r.kind(), k -> new HashMap<>())
                .computeIfAbsent(r.dc(), dc -> new IdVersions(words))
                .put(r.id(), r.version());
    }

    /**
     * Versions by id, open addressing with linear probing. An id is its hex digits (dashes skipped) read as
     * {@code words} 64-bit numbers: exact for the ids the board admits (a uuid is 32 digits, a sha1 40, an OCI tag's id 64), which
     * {@link SignedRecord#decode} checks before a record gets here.
     */
    static final class IdVersions {
        private final int words;
        private final long[] scratch;
        private long[] keys;
        private long[] versions;
        private int size;

        IdVersions(int words) {
            this.words = words;
            this.scratch = new long[words];
            this.keys = new long[16 * words];
            this.versions = new long[16];
        }

        long get(String id) {
            parse(id, scratch);
            int slot = find(scratch);
            return slot < 0 ? 0 : versions[slot];
        }

        void put(String id, long version) {
            parse(id, scratch);
            int slot = find(scratch);
            if (slot >= 0) {
                versions[slot] = version;
                return;
            }
            if ((size + 1) * 10 > versions.length * 7) {
                grow();
            }
            insert(scratch, version);
            size++;
        }

        int size() {
            return size;
        }

        private void parse(String id, long[] into) {
            java.util.Arrays.fill(into, 0);
            int digit = 0;
            for (int i = 0; i < id.length() && digit < words * 16; i++) {
                int n = Character.digit(id.charAt(i), 16);
                if (n < 0) {
                    continue;
                }
                into[digit / 16] = (into[digit / 16] << 4) | n;
                digit++;
            }
        }

        private int hash(long[] key, int at) {
            long h = 0;
            for (int w = 0; w < words; w++) {
                h = h * 0x9E3779B97F4A7C15L + key[at + w];
            }
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            return (int) (h ^ (h >>> 32));
        }

        /** The slot holding {@code key}, or -1. */
        private int find(long[] key) {
            int mask = versions.length - 1;
            for (int slot = hash(key, 0) & mask; versions[slot] != 0; slot = (slot + 1) & mask) {
                if (equal(slot, key)) {
                    return slot;
                }
            }
            return -1;
        }

        private boolean equal(int slot, long[] key) {
            for (int w = 0; w < words; w++) {
                if (keys[slot * words + w] != key[w]) {
                    return false;
                }
            }
            return true;
        }

        private void insert(long[] key, long version) {
            int mask = versions.length - 1;
            int slot = hash(key, 0) & mask;
            while (versions[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            System.arraycopy(key, 0, keys, slot * words, words);
            versions[slot] = version;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldVersions = versions;
            keys = new long[oldKeys.length * 2];
            versions = new long[oldVersions.length * 2];
            long[] key = new long[words];
            for (int slot = 0; slot < oldVersions.length; slot++) {
                if (oldVersions[slot] != 0) {
                    System.arraycopy(oldKeys, slot * words, key, 0, words);
                    insert(key, oldVersions[slot]);
                }
            }
        }
    }
}
