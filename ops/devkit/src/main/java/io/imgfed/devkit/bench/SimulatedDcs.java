package io.imgfed.devkit.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.devkit.DevImages;
import io.imgfed.federation.FederationSettings;
import io.imgfed.federation.board.FederationNode;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.ManifestRecord;
import io.imgfed.protocol.federation.RecordFormat;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.pieces.FilePieces;
import io.imgfed.protocol.pieces.PieceList;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Other DCs of a federation, simulated by one Hazelcast member in this JVM: each has its own signing key and
 * publishes what a real DC publishes (its key, a heartbeat every second, and per image homed there the
 * manifest record and the availability record of its file), signed and encoded as a daemon of this version does, put
 * straight on the board instead of through CreateImage/AddImageFile/ActivateImage. Lets a benchmark load a
 * million images into a real daemon in minutes rather than hours.
 */
final class SimulatedDcs implements AutoCloseable {
    private static final int BATCH = 500;
    /** The record format the simulated DCs write and announce they read (-Dbench.recordFormat=JSON for format 1). */
    private static final RecordFormat FORMAT = RecordFormat.valueOf(System.getProperty("bench.recordFormat", "COMPACT"));
    private static final DateTimeFormatter PUBLISHED_AT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final FederationNode node;
    private final ReplicatedMap<String, byte[]> board;
    private final List<String> names;
    private final Map<String, KeyPair> keys = new HashMap<>();
    private final AtomicLong clock = new AtomicLong(System.currentTimeMillis() * 1000);
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "simulated-dc-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final long startedAt = System.currentTimeMillis();
    private final Instant epoch = Instant.ofEpochMilli(startedAt);

    /** Joins the cluster as one member and announces the DCs' keys; heartbeats start at once. */
    SimulatedDcs(String cluster, int port, List<String> members, List<String> names, Path stateDir) {
        this.names = List.copyOf(names);
        this.node = FederationNode.start(new FederationSettings("simulated", cluster, "127.0.0.1", port, null, members, Map.of(),
                names, Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(8), stateDir, null, null));
        this.board = node.board();
        for (String dc : names) {
            KeyPair kp = Ed25519.generate();
            keys.put(dc, kp);
            put(sign(RecordKind.KEY, dc, "", new KeyRecord(dc, kp.getPublic().getEncoded(), null, FORMAT.number()).toPayload()));
        }
        heartbeat.scheduleAtFixedRate(this::beat, 0, 1, TimeUnit.SECONDS);
    }

    private void beat() {
        for (String dc : names) {
            put(sign(RecordKind.DC, dc, "", new DcRecord(dc, "127.0.0.1:9", "bench", startedAt, 0, 0, 0).toPayload()));
        }
    }

    /**
     * Publishes {@code count} activated images with files, spread round-robin over the DCs, signing on
     * {@code threads} threads; returns their uuids in publication order.
     */
    List<String> publishImages(int count, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> parts = new ArrayList<>();
            int per = (count + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                int from = t * per;
                int to = Math.min(count, from + per);
                parts.add(pool.submit(() -> publishRange(from, to)));
            }
            List<String> uuids = new ArrayList<>(count);
            for (Future<List<String>> p : parts) {
                uuids.addAll(p.get());
            }
            return uuids;
        } finally {
            pool.shutdown();
        }
    }

    private List<String> publishRange(int from, int to) {
        Random random = new Random(from);
        List<String> uuids = new ArrayList<>(to - from);
        Map<String, byte[]> batch = new HashMap<>();
        for (int i = from; i < to; i++) {
            String dc = names.get(i % names.size());
            Manifest m = image(dc, "scale-" + i, epoch.plusMillis(i), random);
            uuids.add(m.uuid());
            SignedRecord mr = sign(RecordKind.MANIFEST, dc, m.uuid(), ManifestRecord.of(m).toPayload());
            ImageFile f = m.file();
            SignedRecord ar = sign(RecordKind.AVAILABILITY, dc, f.sha1(),
                    new AvailabilityRecord(f.sha1(), FileState.PRESENT, 1.0, f.size()).toPayload());
            batch.put(mr.boardKey(), mr.encode(FORMAT));
            batch.put(ar.boardKey(), ar.encode(FORMAT));
            if (batch.size() >= BATCH) {
                board.putAll(batch);
                batch = new HashMap<>();
            }
        }
        if (!batch.isEmpty()) {
            board.putAll(batch);
        }
        return uuids;
    }

    /** An image as a DC holds it after CreateImage, AddImageFile (digests, piece root) and ActivateImage. */
    static Manifest image(String dc, String name, Instant publishedAt, Random random) {
        ObjectNode fields = ManifestValidator.validateCreate(DevImages.manifest(name), null);
        fields.put("uuid", new UUID(random.nextLong(), random.nextLong()).toString());
        byte[] sha1 = new byte[20];
        byte[] md5 = new byte[16];
        byte[] sha256 = new byte[32];
        byte[] root = new byte[32];
        random.nextBytes(sha1);
        random.nextBytes(md5);
        random.nextBytes(sha256);
        random.nextBytes(root);
        HexFormat hex = HexFormat.of();
        ImageFile file = new ImageFile(hex.formatHex(sha1), 1 + random.nextInt(1 << 30), Compression.GZIP, null,
                Base64.getEncoder().encodeToString(md5), hex.formatHex(sha256),
                new FilePieces(PieceList.DEFAULT_PIECE_SIZE, hex.formatHex(root)));
        return Manifest.of(fields, null, false, dc).withFile(file).activate(PUBLISHED_AT.format(publishedAt));
    }

    private SignedRecord sign(RecordKind kind, String dc, String id, byte[] payload) {
        long version = clock.incrementAndGet();
        return SignedRecord.sign(kind, dc, id, version, System.currentTimeMillis(), payload, keys.get(dc).getPrivate());
    }

    private void put(SignedRecord r) {
        board.put(r.boardKey(), r.encode(FORMAT));
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        node.close();
    }
}
