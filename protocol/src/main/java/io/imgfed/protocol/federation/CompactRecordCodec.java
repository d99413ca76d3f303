package io.imgfed.protocol.federation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The compact wire form of a signed record (record format 2): binary fields instead of a JSON object, the
 * signature as its 64 bytes instead of base64, and the payload deflated against a dictionary of the words every
 * manifest and availability payload repeats. Every member keeps every record of the federation in memory, and a
 * manifest record takes about 420 bytes this way against 1,090 in the JSON form (format 1).
 *
 * <p>Layout: {@link #MAGIC}, the kind's prefix letter, dc and id (each a length byte and UTF-8), version and
 * published-at (8 bytes each, big-endian), a flags byte (bit 0: the payload is deflated), the payload's length
 * (4 bytes) and, when deflated, the length stored (4 bytes), the stored payload, and the 64-byte signature. The
 * signature covers the fields, not this encoding, so a record reads the same in either form.
 *
 * <p>The dictionary is part of format 2: changing a byte of it needs a new magic byte.
 */
final class CompactRecordCodec {
    /** First byte of format 2; the JSON form starts with '{' or whitespace. */
    static final byte MAGIC = (byte) 0xB2;
    private static final int DEFLATED = 1;
    private static final byte[] DICTIONARY = ("\"sha1\":\"\",\"state\":\"present\",\"progress\":1.0,\"size\":\"pulling\","
            + "\"absent\"{\"dc\":\"\",\"peer\":\"\",\"version\":\"\",\"started_at\":,\"files\":,\"bytes\":,\"images\":"
            + "\"deleted_at\":{\"uuid\":\"\",\"manifest\":{\"fields\":{\"owner\":\"\",\"name\":\"\",\"version\":\"1.0.0\","
            + "\"type\":\"zone-dataset\",\"os\":\"smartos\",\"v\":2,\"disabled\":false,\"public\":false,\"uuid\":\"\","
            + "\"description\":\"\",\"homepage\":\"\",\"requirements\":{},\"tags\":{},\"acl\":[],\"billing_tags\":[],"
            + "\"origin\":\"\",\"published_at\":\"20\"},\"file\":{\"sha1\":\"\",\"size\":,\"compression\":\"gzip\","
            + "\"md5\":\"==\",\"sha256\":\"\",\"pieces\":{\"size\":4194304,\"root\":\"\"}},\"activated\":true,"
            + "\"home_dc\":\"\"}}").getBytes(StandardCharsets.UTF_8);
    private static final ThreadLocal<Deflater> DEFLATER = ThreadLocal.withInitial(() -> new Deflater(9, true));
    private static final ThreadLocal<Inflater> INFLATER = ThreadLocal.withInitial(() -> new Inflater(true));

    private CompactRecordCodec() {
    }

    static byte[] encode(SignedRecord r, byte[] payload, byte[] signature) {
        byte[] deflated = deflate(payload);
        boolean smaller = deflated.length < payload.length;
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(160 + payload.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(MAGIC);
            out.writeByte(r.kind().prefix().charAt(0));
            writeShort(out, r.dc());
            writeShort(out, r.id());
            out.writeLong(r.version());
            out.writeLong(r.publishedAtMillis());
            out.writeByte(smaller ? DEFLATED : 0);
            out.writeInt(payload.length);
            if (smaller) {
                out.writeInt(deflated.length);
                out.write(deflated);
            } else {
                out.write(payload);
            }
            out.write(signature);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeShort(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 255) {
            throw new IllegalArgumentException("a record's dc or id is longer than 255 bytes");
        }
        out.writeByte(b.length);
        out.write(b);
    }

    /** The record's fields in the order of the constructor; checks only the encoding (decode checks the rest). */
    record Fields(String kind, String dc, String id, long version, long publishedAt, byte[] payload, byte[] signature) {
    }

    static Fields decode(byte[] bytes) throws MalformedRecordException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readByte() != MAGIC) {
                throw new MalformedRecordException("not a compact record");
            }
            String kind = String.valueOf((char) in.readUnsignedByte());
            String dc = readShort(in);
            String id = readShort(in);
            long version = in.readLong();
            long publishedAt = in.readLong();
            int flags = in.readUnsignedByte();
            int length = in.readInt();
            if (length < 0 || length > SignedRecord.MAX_PAYLOAD || (flags & ~DEFLATED) != 0) {
                throw new MalformedRecordException("bad payload length or flags");
            }
            byte[] payload;
            if ((flags & DEFLATED) != 0) {
                int stored = in.readInt();
                if (stored < 0 || stored > in.available()) {
                    throw new MalformedRecordException("bad stored payload length");
                }
                byte[] deflated = in.readNBytes(stored);
                payload = inflate(deflated, length);
            } else {
                payload = in.readNBytes(length);
                if (payload.length != length) {
                    throw new MalformedRecordException("truncated payload");
                }
            }
            byte[] signature = in.readNBytes(64);
            if (signature.length != 64 || in.available() != 0) {
                throw new MalformedRecordException("signature of the wrong size or trailing bytes");
            }
            return new Fields(kind, dc, id, version, publishedAt, payload, signature);
        } catch (IOException e) {
            throw new MalformedRecordException("truncated compact record");
        }
    }

    private static String readShort(DataInputStream in) throws IOException, MalformedRecordException {
        int n = in.readUnsignedByte();
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new MalformedRecordException("truncated compact record");
        }
        String s = new String(b, StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b)) {
            throw new MalformedRecordException("dc or id is not UTF-8");
        }
        return s;
    }

    private static byte[] deflate(byte[] payload) {
        Deflater d = DEFLATER.get();
        d.reset();
        d.setDictionary(DICTIONARY);
        d.setInput(payload);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length / 2 + 64);
        byte[] buf = new byte[1024];
        while (!d.finished()) {
            int n = d.deflate(buf);
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** Inflates exactly {@code length} bytes, never more: a record cannot make a member allocate past its limit. */
    private static byte[] inflate(byte[] deflated, int length) throws MalformedRecordException {
        Inflater inf = INFLATER.get();
        inf.reset();
        // Raw deflate carries no dictionary id: the dictionary is set up front, as the encoder did.
        inf.setDictionary(DICTIONARY);
        inf.setInput(deflated);
        byte[] out = new byte[length];
        try {
            int at = 0;
            while (at < length) {
                int n = inf.inflate(out, at, length - at);
                if (n == 0) {
                    throw new MalformedRecordException("deflated payload is shorter than its length");
                }
                at += n;
            }
            if (!inf.finished() && (inf.inflate(new byte[1]) != 0 || !inf.finished()) || inf.getRemaining() != 0) {
                throw new MalformedRecordException("deflated payload is longer than its length");
            }
            return out;
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new MalformedRecordException("payload does not inflate");
        }
    }
}
