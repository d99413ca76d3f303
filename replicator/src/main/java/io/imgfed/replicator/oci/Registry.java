package io.imgfed.replicator.oci;

import io.imgfed.replicator.storage.DbWriter;
import io.imgfed.transfer.store.DurableDirectories;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI front's registry state in this DC: which sha256 digest is which blob of the store, each repository's
 * manifests (their exact bytes, served unchanged) and tags. Reads come from memory; every change is committed to
 * {@code <data.dir>/registry.db} on one writer thread before its future completes, so a push is acknowledged
 * only once it survives a crash.
 */
public final class Registry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    /** A blob of the store under its OCI digest, with its piece root (null when not computed). */
    public record BlobRef(String digest, String sha1, long size, io.imgfed.protocol.pieces.FilePieces pieces) {
    }

    /** What a tag names, and since when (the newest wins between this DC's tag and other DCs' records). */
    public record TagRef(String digest, long atMillis, String dc) {
    }

    /** A manifest as pushed: its digest, media type, exact bytes and the digests it references (blobs, then children). */
    public record StoredManifest(String digest, String mediaType, byte[] body, List<String> references) {
        public StoredManifest {
            references = List.copyOf(references);
        }

        public long size() {
            return body.length;
        }
    }

    private final Vertx vertx;
    private final DbWriter writer;
    private final RegistryDb db;
    private final Map<String, BlobRef> blobs = new ConcurrentHashMap<>();
    private final Map<String, String> digestBySha1 = new ConcurrentHashMap<>();
    /** repo → digest → manifest. */
    private final Map<String, Map<String, StoredManifest>> manifests = new ConcurrentHashMap<>();
    /** repo → tag → what it names, sorted as the tags list answers. */
    private final Map<String, NavigableMap<String, TagRef>> tags = new ConcurrentHashMap<>();
    /** Other DCs' tags, manifests and blobs, from their records (memory only: the board has them again at start). */
    private final Map<String, NavigableMap<String, TagRef>> foreignTags = new ConcurrentHashMap<>();
    private final Map<String, Map<String, StoredManifest>> foreignManifests = new ConcurrentHashMap<>();
    private final Map<String, BlobRef> foreignBlobs = new ConcurrentHashMap<>();
    /** Digests of blobs fetched from an upstream registry (a cache: their files may be evicted). */
    private final java.util.Set<String> mirrored = ConcurrentHashMap.newKeySet();
    /** Digests an operator pinned: their files stay through eviction, wherever they came from. */
    private final java.util.Set<String> pinned = ConcurrentHashMap.newKeySet();
    /** sha1 → digest of other DCs' blobs (a pinned blob pulled from another DC is found by its sha1). */
    private final Map<String, String> foreignDigestBySha1 = new ConcurrentHashMap<>();
    /** When each blob ("b:" digest) and manifest ("m:" repo "@" digest) pushed here was stored: GC's grace. */
    private final Map<String, Long> addedAt = new ConcurrentHashMap<>();
    private final String dc;

    private Registry(Vertx vertx, DbWriter writer, RegistryDb db, String dc) {
        this.dc = dc;
        this.vertx = vertx;
        this.writer = writer;
        this.db = db;
    }

    /** Opens (or creates) {@code <dataDir>/registry.db} and loads it into memory. */
    public static Future<Registry> open(Vertx vertx, Path dataDir, String dc) {
        DbWriter writer = new DbWriter(vertx,
                "imgfed-registry", "the registry");
        return writer.call(() -> {
            DurableDirectories.create(dataDir);
            RegistryDb db = RegistryDb.open(dataDir.resolve("registry.db"));
            Registry r = new Registry(vertx, writer, db, dc);
            db.blobs().forEach(b -> {
                r.indexBlob(new BlobRef(b.digest(), b.sha1(), b.size(), b.pieceRoot() == null ? null
                        : new io.imgfed.protocol.pieces.FilePieces(b.pieceSize(), b.pieceRoot())));
                r.addedAt.put("b:" + b.digest(), b.createdAt());
            });
            r.mirrored.addAll(db.mirroredBlobs());
            r.pinned.addAll(db.pinnedBlobs());
            db.manifests().forEach(m -> {
                r.indexManifest(m.repo(), new StoredManifest(m.digest(), m.mediaType(),
                        m.body(), m.references().isEmpty() ? List.of() : Arrays.asList(m.references().split(","))));
                r.addedAt.put("m:" + m.repo() + "@" + m.digest(), m.createdAt());
            });
            db.tags().forEach(t -> r.tagsOf(t.repo()).put(t.tag(), new TagRef(t.digest(), t.updatedAt(), dc)));
            LOG.info("registry loaded: {} blob(s), {} repositor(ies)", r.blobs.size(), r.manifests.size());
            return r;
        }).onFailure(e -> writer.abandon());
    }

    /** This DC's name. */
    public String dc() {
        return dc;
    }

    /** A blob pushed here, else one another DC's tag references (which may have to be pulled). */
    public Optional<BlobRef> blob(String digest) {
        BlobRef b = blobs.get(digest);
        return Optional.ofNullable(b != null ? b : foreignBlobs.get(digest));
    }

    /** A blob pushed to this DC's registry. */
    public Optional<BlobRef> localBlob(String digest) {
        return Optional.ofNullable(blobs.get(digest));
    }

    /**
     * Whether a file of the store is an OCI blob pushed here: its only copy may be this one, so eviction leaves
     * it (garbage collection deletes it once nothing references it). A blob fetched from an upstream is a cache
     * like a pulled image file: evictable, fetched again when asked.
     */
    public boolean holdsSha1(String sha1) {
        String digest = digestBySha1.get(sha1);
        if (digest != null && (!mirrored.contains(digest) || pinned.contains(digest))) {
            return true;
        }
        String foreign = foreignDigestBySha1.get(sha1);
        return foreign != null && pinned.contains(foreign);
    }

    /**
     * Pins blobs (an operator's prefetch with {@code pin}), or unpins them: a pinned blob's file is left by
     * eviction, wherever it came from (pushed, fetched from an upstream, pulled from another DC).
     */
    public Future<Void> pin(java.util.Collection<String> digests, boolean pin) {
        return onWriter(() -> {
            db.pin(digests, pin);
            if (pin) {
                pinned.addAll(digests);
            } else {
                pinned.removeAll(digests);
            }
            return null;
        });
    }

    public boolean isPinned(String digest) {
        return pinned.contains(digest);
    }

    /** Whether a blob was fetched from an upstream registry (not pushed here). */
    public boolean isMirrored(String digest) {
        return mirrored.contains(digest);
    }

    /**
     * Commits an upload's blob: {@code storeCommit} (the store's rename into place) and the registry's row run
     * together on the writer thread, where {@link #collectGarbage} runs too, so the collector never deletes a file
     * that a push is committing at the same moment.
     */
    public Future<BlobRef> commitBlob(BlobRef blob, java.util.function.Supplier<Future<?>> storeCommit) {
        return commitBlob(blob, storeCommit, false);
    }

    /** As {@link #commitBlob(BlobRef, java.util.function.Supplier)}; {@code fromUpstream} marks a mirror's cache. */
    public Future<BlobRef> commitBlob(BlobRef blob, java.util.function.Supplier<Future<?>> storeCommit,
            boolean fromUpstream) {
        return onWriter(() -> {
            storeCommit.get().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.MINUTES);
            long now = System.currentTimeMillis();
            // A blob pushed here is no longer only a cache, even if a mirror fetched it first.
            boolean cache = fromUpstream && (mirrored.contains(blob.digest()) || !blobs.containsKey(blob.digest()));
            db.putBlob(new RegistryDb.BlobRow(blob.digest(), blob.sha1(), blob.size(),
                    blob.pieces() == null ? 0 : blob.pieces().pieceSize(), blob.pieces() == null ? null : blob.pieces().root(),
                    now), cache);
            if (cache) {
                mirrored.add(blob.digest());
            } else {
                mirrored.remove(blob.digest());
            }
            indexBlob(blob);
            addedAt.put("b:" + blob.digest(), now);
            return blob;
        });
    }

    /** Records the piece root of a blob stored here that had none (computed after its commit). */
    public Future<Void> addPieces(String digest, io.imgfed.protocol.pieces.FilePieces pieces) {
        return onWriter(() -> {
            BlobRef b = blobs.get(digest);
            if (b == null || b.pieces() != null) {
                return null;
            }
            BlobRef with = new BlobRef(b.digest(), b.sha1(), b.size(), pieces);
            db.putBlob(new RegistryDb.BlobRow(digest, b.sha1(), b.size(), pieces.pieceSize(), pieces.root(),
                    addedAt.getOrDefault("b:" + digest, System.currentTimeMillis())), mirrored.contains(digest));
            blobs.put(digest, with);
            return null;
        });
    }

    /**
     * One pass of garbage collection, on the writer thread: manifests pushed here that no tag of their repository
     * reaches (directly or as a child of a tagged index), and blobs that no remaining manifest pushed here
     * references, are deleted once older than {@code grace}; so are their files, unless {@code keepFile} says the
     * store needs the file for something else (an IMGAPI image with the same bytes). A manifest push checks its
     * blobs on this same thread ({@link #putManifest}), so no blob is deleted between that check and the commit,
     * and the grace covers a push whose blobs are in but whose manifest is not yet. Returns what was deleted.
     */
    public Future<List<String>> collectGarbage(java.time.Duration grace, java.util.function.Predicate<String> keepFile,
            java.util.function.Function<String, Future<Boolean>> deleteFile) {
        return onWriter(() -> {
            long cutoff = System.currentTimeMillis() - grace.toMillis();
            List<String> deleted = new ArrayList<>();
            java.util.Set<String> referenced = new java.util.HashSet<>();
            for (Map.Entry<String, Map<String, StoredManifest>> repo : manifests.entrySet()) {
                java.util.Set<String> reachable = new java.util.HashSet<>();
                NavigableMap<String, TagRef> t = tags.get(repo.getKey());
                if (t != null) {
                    for (TagRef ref : t.values()) {
                        reachable.add(ref.digest());
                        StoredManifest m = repo.getValue().get(ref.digest());
                        if (m != null && io.imgfed.protocol.oci.MediaTypes.isIndex(m.mediaType())) {
                            reachable.addAll(m.references());
                        }
                    }
                }
                for (StoredManifest m : List.copyOf(repo.getValue().values())) {
                    String key = "m:" + repo.getKey() + "@" + m.digest();
                    if (!reachable.contains(m.digest()) && addedAt.getOrDefault(key, 0L) < cutoff) {
                        db.deleteManifest(repo.getKey(), m.digest());
                        repo.getValue().remove(m.digest());
                        addedAt.remove(key);
                        deleted.add(repo.getKey() + "@" + m.digest());
                    } else {
                        referenced.addAll(m.references());
                    }
                }
            }
            for (BlobRef b : List.copyOf(blobs.values())) {
                String key = "b:" + b.digest();
                if (!referenced.contains(b.digest()) && addedAt.getOrDefault(key, 0L) < cutoff) {
                    db.deleteBlob(b.digest());
                    mirrored.remove(b.digest());
                    blobs.remove(b.digest());
                    digestBySha1.remove(b.sha1());
                    addedAt.remove(key);
                    if (!keepFile.test(b.sha1())) {
                        deleteFile.apply(b.sha1()).toCompletionStage().toCompletableFuture()
                                .get(1, java.util.concurrent.TimeUnit.MINUTES);
                    }
                    deleted.add(b.digest());
                }
            }
            return deleted;
        });
    }

    public boolean repositoryExists(String repo) {
        Map<String, StoredManifest> m = manifests.get(repo);
        NavigableMap<String, TagRef> f = foreignTags.get(repo);
        return (m != null && !m.isEmpty()) || (f != null && !f.isEmpty());
    }

    /** A manifest of the repository pushed here, else one another DC's tag of it reaches. */
    public Optional<StoredManifest> manifest(String repo, String digest) {
        Map<String, StoredManifest> m = manifests.get(repo);
        StoredManifest found = m == null ? null : m.get(digest);
        if (found == null) {
            Map<String, StoredManifest> f = foreignManifests.get(repo);
            found = f == null ? null : f.get(digest);
        }
        return Optional.ofNullable(found);
    }

    /** The digest a tag names: this DC's tag or another DC's, whichever was set last. */
    public Optional<String> tagged(String repo, String tag) {
        return tagRef(repo, tag).map(TagRef::digest);
    }

    public Optional<TagRef> tagRef(String repo, String tag) {
        NavigableMap<String, TagRef> t = tags.get(repo);
        NavigableMap<String, TagRef> f = foreignTags.get(repo);
        TagRef local = t == null ? null : t.get(tag);
        TagRef foreign = f == null ? null : f.get(tag);
        if (local == null || (foreign != null && foreign.atMillis() > local.atMillis())) {
            return Optional.ofNullable(foreign);
        }
        return Optional.of(local);
    }

    /** The repository's tags (here and in other DCs) in lexical order (the tags list's order). */
    public List<String> tags(String repo) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        NavigableMap<String, TagRef> t = tags.get(repo);
        if (t != null) {
            out.addAll(t.keySet());
        }
        NavigableMap<String, TagRef> f = foreignTags.get(repo);
        if (f != null) {
            out.addAll(f.keySet());
        }
        return new ArrayList<>(out);
    }

    /** The tags pushed here, as (repository, tag) pairs: what this DC publishes to the federation. */
    public List<Map.Entry<String, String>> localTags() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        tags.forEach((repo, t) -> t.keySet().forEach(tag -> out.add(Map.entry(repo, tag))));
        return out;
    }

    /** A manifest pushed here (not one learnt from another DC). */
    public Optional<StoredManifest> localManifest(String repo, String digest) {
        Map<String, StoredManifest> m = manifests.get(repo);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(digest));
    }

    /**
     * Another DC's tag record (on the board thread): the tag, its manifests and blobs become visible here; a
     * tombstone removes the tag if it is still the one that DC set.
     */
    public void foreign(String fromDc, long publishedAtMillis, io.imgfed.protocol.federation.OciTagRecord r) {
        NavigableMap<String, TagRef> t = foreignTags.computeIfAbsent(r.repository(), x -> new ConcurrentSkipListMap<>());
        TagRef current = t.get(r.tag());
        if (current != null && current.atMillis() > publishedAtMillis) {
            return;
        }
        if (r.isDeleted()) {
            if (current != null && current.dc().equals(fromDc)) {
                t.remove(r.tag());
            }
            return;
        }
        Map<String, StoredManifest> ms = foreignManifests.computeIfAbsent(r.repository(), x -> new ConcurrentHashMap<>());
        for (io.imgfed.protocol.federation.OciTagRecord.Manifest m : r.manifests()) {
            ms.put(m.digest(), new StoredManifest(m.digest(), m.mediaType(), m.body(), List.of()));
        }
        for (io.imgfed.protocol.federation.OciTagRecord.Blob b : r.blobs()) {
            // a later record may add the piece root the first one lacked (computed after the blob's commit)
            foreignDigestBySha1.putIfAbsent(b.sha1(), b.digest());
            foreignBlobs.merge(b.digest(), new BlobRef(b.digest(), b.sha1(), b.size(), b.pieces()),
                    (old, next) -> old.pieces() == null && next.pieces() != null && old.sha1().equals(next.sha1()) ? next : old);
        }
        t.put(r.tag(), new TagRef(r.digest(), publishedAtMillis, fromDc));
    }

    /** Stores a manifest in a repository and, when {@code tag} is not null, points the tag at it. */
    public Future<StoredManifest> putManifest(String repo, StoredManifest m, String tag) {
        return putManifest(repo, m, tag, List.of(), List.of());
    }

    /**
     * Stores a manifest (and moves the tag) after checking, on the writer thread where the garbage collector
     * runs, that the blobs and child manifests it needs are still here: MANIFEST_BLOB_UNKNOWN otherwise.
     */
    public Future<StoredManifest> putManifest(String repo, StoredManifest m, String tag, List<String> needBlobs,
            List<String> needManifests) {
        return onWriter(() -> {
            for (String d : needBlobs) {
                if (blob(d).isEmpty()) {
                    throw new io.imgfed.protocol.oci.OciException(io.imgfed.protocol.oci.OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "blob " + d + " is not in " + repo);
                }
            }
            for (String d : needManifests) {
                if (manifest(repo, d).isEmpty()) {
                    throw new io.imgfed.protocol.oci.OciException(io.imgfed.protocol.oci.OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "manifest " + d + " is not in " + repo);
                }
            }
            long now = System.currentTimeMillis();
            addedAt.put("m:" + repo + "@" + m.digest(), now);
            db.putManifest(new RegistryDb.ManifestRow(repo, m.digest(), m.mediaType(), m.body(),
                    String.join(",", m.references()), now), tag, now);
            indexManifest(repo, m);
            if (tag != null) {
                tagsOf(repo).put(tag, new TagRef(m.digest(), now, dc));
            }
            return m;
        });
    }

    /** Deletes a manifest pushed here and the repository's tags that name it; the tags deleted (null if none was there). */
    public Future<List<String>> deleteManifest(String repo, String digest) {
        return onWriter(() -> {
            if (localManifest(repo, digest).isEmpty()) {
                return null;
            }
            db.deleteManifest(repo, digest);
            manifests.get(repo).remove(digest);
            List<String> gone = new ArrayList<>();
            NavigableMap<String, TagRef> t = tags.get(repo);
            if (t != null) {
                t.entrySet().removeIf(e -> {
                    boolean match = e.getValue().digest().equals(digest);
                    if (match) {
                        gone.add(e.getKey());
                    }
                    return match;
                });
            }
            return gone;
        });
    }

    /** Deletes a tag (its manifest stays, reachable by digest); false if it was not there. */
    public Future<Boolean> deleteTag(String repo, String tag) {
        return onWriter(() -> {
            NavigableMap<String, TagRef> t = tags.get(repo);
            if (t == null || !t.containsKey(tag)) {
                return false;
            }
            db.deleteTag(repo, tag);
            tags.get(repo).remove(tag);
            return true;
        });
    }

    public Future<Void> ping() {
        return onWriter(() -> {
            db.ping();
            return null;
        });
    }

    private void indexBlob(BlobRef b) {
        blobs.put(b.digest(), b);
        digestBySha1.put(b.sha1(), b.digest());
    }

    private void indexManifest(String repo, StoredManifest m) {
        manifests.computeIfAbsent(repo, r -> new ConcurrentHashMap<>()).put(m.digest(), m);
    }

    private NavigableMap<String, TagRef> tagsOf(String repo) {
        return tags.computeIfAbsent(repo, r -> new ConcurrentSkipListMap<>());
    }

    private <T> Future<T> onWriter(Callable<T> work) {
        return writer.call(work);
    }

    @Override
    public void close() {
        writer.close(db);
    }
}
