package io.imgfed.protocol.fuzz;

import static io.imgfed.protocol.fuzz.Contract.check;
import static io.imgfed.protocol.fuzz.Contract.orMalformed;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.ManifestRecord;
import io.imgfed.protocol.federation.RecordFormat;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;

/**
 * One fuzz input through the federation record code as a DC's board listener runs it on bytes a rogue member
 * put into the cluster: {@link SignedRecord#decode}, {@code payloadJson}, and the payload decoder of the
 * record's kind; whatever decodes must encode back to an equal record.
 *
 * <p>Input layout: the last byte holds the mode in bits 0-1 (0: the bytes are a whole wire record; 1: they are a
 * payload, given to every kind's decoder; 2: they are the payload of a well-formed record of the kind in bits
 * 2-3) and, when bits 6 and 7 are set, whether to verify the (never valid) signature too: the JDK's Ed25519 is
 * slow, so only some inputs pay for it; the rest is the bytes. So a seed is an encoded record or payload plus one byte.
 */
final class RecordHarness {
    static final KeyPair KEY = Ed25519.generate();
    static final String DC = "fuzz-dc";
    static final List<String> IDS = List.of("", "", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
            "0123456789abcdef0123456789abcdef01234567");

    /** How far an input got. */
    enum Outcome { MALFORMED_RECORD, MALFORMED_PAYLOAD, DECODED }

    private RecordHarness() {
    }

    static Outcome run(FuzzedDataProvider d) {
        int flags = d.consumeByte() & 0xff;
        int mode = flags & 3;
        boolean signatures = (flags & 0xc0) == 0xc0;
        byte[] bytes = d.consumeRemainingAsBytes();
        return switch (mode) {
            case 1 -> payloadOnly(bytes);
            case 2 -> {
                RecordKind kind = RecordKind.values()[(flags >>> 2) & 3];
                String id = kind == RecordKind.MANIFEST ? IDS.get(2) : kind == RecordKind.AVAILABILITY ? IDS.get(3) : "";
                byte[] payload = bytes.length > SignedRecord.MAX_PAYLOAD ? Arrays.copyOf(bytes, SignedRecord.MAX_PAYLOAD) : bytes;
                long version = 1 + ((flags >>> 4) & 7);
                // Unsigned (a zero signature): signing with the JDK's Ed25519 costs milliseconds per input.
                SignedRecord r = new SignedRecord(kind, DC, id, version, 1_700_000_000_000L, payload, new byte[64]);
                yield wire(r.encode(), true, signatures);
            }
            default -> wire(bytes, false, signatures);
        };
    }

    private static Outcome wire(byte[] bytes, boolean wellFormed, boolean signatures) {
        SignedRecord r = orMalformed(() -> SignedRecord.decode(bytes));
        if (r == null) {
            check(!wellFormed, "a well-formed record this code encoded does not decode");
            return Outcome.MALFORMED_RECORD;
        }
        SignedRecord again = orMalformed(() -> SignedRecord.decode(r.encode()));
        check(r.equals(again), "record does not round-trip through encode/decode: " + r);
        SignedRecord compact = orMalformed(() -> SignedRecord.decode(r.encode(RecordFormat.COMPACT)));
        check(r.equals(compact), "record does not round-trip through the compact form: " + r);
        check(r.boardKey().startsWith(r.kind().prefix() + "/" + r.dc()), "board key " + r.boardKey());
        if (signatures) {
            // Nothing here was signed with KEY: a fuzzed, zero or foreign signature must neither verify nor throw.
            check(!r.verify(KEY.getPublic()), "a record verifies that KEY never signed: " + r);
        }
        JsonNode p = orMalformed(r::payloadJson);
        if (p == null) {
            return Outcome.MALFORMED_PAYLOAD;
        }
        check(p.isObject(), "payloadJson returned a non-object");
        return decodePayload(r.kind(), p) ? Outcome.DECODED : Outcome.MALFORMED_PAYLOAD;
    }

    private static Outcome payloadOnly(byte[] bytes) {
        JsonNode p;
        try {
            p = Json.MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            return Outcome.MALFORMED_PAYLOAD;
        }
        if (p == null || !p.isObject()) {
            return Outcome.MALFORMED_PAYLOAD;
        }
        boolean any = false;
        for (RecordKind kind : RecordKind.values()) {
            any |= decodePayload(kind, p);
        }
        return any ? Outcome.DECODED : Outcome.MALFORMED_PAYLOAD;
    }

    /** Decodes a payload as {@code kind}; what decodes must survive its own encoding. */
    private static boolean decodePayload(RecordKind kind, JsonNode p) {
        switch (kind) {
            case MANIFEST -> {
                ManifestRecord m = orMalformed(() -> ManifestRecord.fromPayload(p));
                if (m == null) {
                    return false;
                }
                // Gossiped manifests are DC-signed and not validated again, so a value JSON cannot hold (1e400
                // read as Infinity) is normalised once on the way back out (to "Infinity"); from then on the
                // record must be a fixed point of encode/decode.
                ManifestRecord back = orMalformed(() -> ManifestRecord.fromPayload(Json.tree(m.toPayload())));
                check(back != null && back.uuid().equals(m.uuid()) && back.deleted() == m.deleted()
                        && back.deletedAtMillis() == m.deletedAtMillis(), "manifest record round trip: " + p);
                ManifestRecord again = orMalformed(() -> ManifestRecord.fromPayload(Json.tree(back.toPayload())));
                check(again != null && Arrays.equals(again.toPayload(), back.toPayload()),
                        "manifest record is no fixed point of encode/decode: " + p);
                if (!m.deleted()) {
                    m.manifest().toJson();
                    m.manifest().state();
                    m.manifest().visibleTo(ManifestHarness.ACCOUNT);
                }
            }
            case AVAILABILITY -> {
                AvailabilityRecord a = orMalformed(() -> AvailabilityRecord.fromPayload(p));
                if (a == null) {
                    return false;
                }
                AvailabilityRecord back = orMalformed(() -> AvailabilityRecord.fromPayload(Json.tree(a.toPayload())));
                check(a.equals(back), "availability record round trip: " + p);
            }
            case DC -> {
                DcRecord r = orMalformed(() -> DcRecord.fromPayload(p));
                if (r == null) {
                    return false;
                }
                DcRecord back = orMalformed(() -> DcRecord.fromPayload(Json.tree(r.toPayload())));
                check(r.equals(back), "dc record round trip: " + p);
            }
            case KEY -> {
                KeyRecord k = orMalformed(() -> KeyRecord.fromPayload(p));
                if (k == null) {
                    return false;
                }
                KeyRecord back = orMalformed(() -> KeyRecord.fromPayload(Json.tree(k.toPayload())));
                check(back != null && back.dc().equals(k.dc()) && Arrays.equals(back.publicKey(), k.publicKey())
                        && java.util.Objects.equals(back.certificatePem(), k.certificatePem()), "key record round trip: " + p);
                Ed25519.publicKey(k.publicKey());
            }
        }
        return true;
    }
}
