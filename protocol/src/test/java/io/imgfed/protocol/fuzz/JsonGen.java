package io.imgfed.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.manifest.Manifest;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds JSON values from fuzzer bytes, biased toward what the validators look at (known field names, uuids,
 * enum spellings, timestamps, URLs), so that mutations explore the rules rather than the JSON grammar.
 */
final class JsonGen {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    static final List<String> KEYS;
    static {
        List<String> keys = new ArrayList<>(Manifest.knownFields());
        keys.addAll(List.of("home_dc", "networks", "brand", "ssh_key", "min_ram", "max_ram", "min_platform",
                "max_platform", "bootrom", "name", "description", "7.0", "", "sha1", "size", "compression",
                "dataset_guid", "md5", "sha256", "fields", "file", "activated", "uuid", "manifest", "deleted_at",
                "dc", "peer", "version", "started_at", "files", "bytes", "images", "public_key", "certificate",
                "state", "progress", "k", "id", "v", "t", "p", "s"));
        KEYS = List.copyOf(keys);
    }

    static final List<String> STRINGS = List.of(
            "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
            "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA",
            "zone-dataset", "lx-dataset", "zvol", "docker", "other", "smartos", "linux", "windows", "bsd", "illumos",
            "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05Z", "2024-02-30T03:04:05Z", "2024-01-02T24:00:00Z",
            "2024-12-31T23:59:60Z", "2024-01-02", "http://example.com/x", "HTTPS://example.com", "ftp://x", "http://",
            "bhyve", "kvm", "bios", "uefi", "7.0", "20130101T000000Z", "virtio", "host", "ide", "base-64", "24.1.0",
            "..", ".", "a/../b", "a/./b", "a b", "", " ", "\u0000", "\u00e9", "\ud83d\ude00", "gold", "none", "gzip",
            "bzip2", "xz", "present", "pulling", "absent", "m", "a", "k", "d", "us-east-1",
            "0123456789abcdef0123456789abcdef01234567", "1B2M2Y8AsgTpgAmY7PhCfg==",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "true", "false", "null", "2", "-1");

    private JsonGen() {
    }

    /** An object of up to {@code maxFields} fields with mostly known names. */
    static ObjectNode object(FuzzedDataProvider d, int depth, int maxFields) {
        ObjectNode o = F.objectNode();
        int n = d.consumeInt(0, maxFields);
        for (int i = 0; i < n && d.remainingBytes() > 0; i++) {
            String key = d.consumeBoolean() ? d.pickValue(KEYS) : d.consumeString(16);
            o.set(key, value(d, depth - 1));
        }
        return o;
    }

    /** An array of up to {@code max} values, mostly strings the validators know. */
    static ArrayNode array(FuzzedDataProvider d, int depth, int max) {
        ArrayNode a = F.arrayNode();
        int n = d.consumeInt(0, max);
        for (int i = 0; i < n && d.remainingBytes() > 0; i++) {
            a.add(d.consumeBoolean() ? F.textNode(d.pickValue(STRINGS)) : value(d, depth - 1));
        }
        return a;
    }

    static JsonNode value(FuzzedDataProvider d, int depth) {
        int kind = d.consumeInt(0, depth > 0 ? 12 : 9);
        return switch (kind) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(d.consumeBoolean());
            case 2 -> F.numberNode(d.consumeInt(-3, 3));
            case 3 -> F.numberNode(d.consumeLong());
            case 4 -> F.numberNode(d.consumeRegularDouble());
            case 5 -> F.numberNode(BigInteger.valueOf(d.consumeLong()).multiply(BigInteger.TEN.pow(d.consumeInt(1, 30))));
            case 6 -> F.numberNode(new BigDecimal(d.consumeInt()).scaleByPowerOfTen(d.consumeInt(-400, 400)));
            case 7, 8 -> F.textNode(d.pickValue(STRINGS));
            case 9 -> F.textNode(d.consumeString(d.consumeBoolean() ? 64 : 2048));
            case 10 -> array(d, depth, 8);
            default -> object(d, depth, 8);
        };
    }
}
