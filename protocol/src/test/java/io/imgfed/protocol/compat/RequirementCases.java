package io.imgfed.protocol.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.compat.ManifestCase.Op;
import io.imgfed.protocol.json.Json;
import java.util.List;

/** The differential test's {@code requirements} cases: every key with every type, and each key's own rules. */
final class RequirementCases {

    private RequirementCases() {
    }

    static void add(ManifestCases g, Op op) {
        for (String key : List.of("networks", "brand", "ssh_key", "min_ram", "max_ram", "min_platform", "max_platform",
                "bootrom", "foo", "")) {
            for (JsonNode v : ManifestCases.typeSamples()) {
                g.set(op, "requirements", ManifestCases.object(key, v));
            }
        }
        for (String networks : List.of("[]", "[{\"name\":\"net0\",\"description\":\"public\"}]", "[{\"name\":\"n\"}]",
                "[{\"name\":\"n\",\"description\":\"d\",\"x\":1}]", "[{\"name\":1,\"description\":2}]",
                "[{\"name\":null,\"description\":null}]", "[\"net0\"]", "[null]", "[[]]", "{}")) {
            requirements(g, op, "{\"networks\":" + networks + "}");
        }
        for (JsonNode v : ManifestCases.typeSamples()) {
            requirements(g, op, "{\"networks\":[{\"name\":" + v + ",\"description\":\"d\"}]}");
        }
        for (String ram : List.of("{\"min_ram\":1}", "{\"min_ram\":0}", "{\"min_ram\":-1}", "{\"min_ram\":1.5}",
                "{\"min_ram\":1e20}", "{\"min_ram\":\"256\"}", "{\"min_ram\":256,\"max_ram\":256}",
                "{\"min_ram\":512,\"max_ram\":256}", "{\"min_ram\":256,\"max_ram\":512}", "{\"max_ram\":0}",
                "{\"min_ram\":512,\"max_ram\":\"256\"}", "{\"min_ram\":-512,\"max_ram\":-256}")) {
            requirements(g, op, ram);
        }
        for (String stamp : List.of("\"20130101T000000Z\"", "\"20120101T000000Z\"", "\"20110101T000000Z\"",
                "\"20131301T000000Z\"", "\"20130001T000000Z\"", "\"20130132T000000Z\"", "\"20130131T240000Z\"",
                "\"20130131T236000Z\"", "\"20130131T235960Z\"", "\"20130101T000000z\"", "\"2013-01-01\"",
                "\"2013010AT000000Z\"", "\"20130101T0000000Z\"", "\"\"", "20130101", "null", "{}")) {
            for (String key : List.of("min_platform", "max_platform")) {
                requirements(g, op, "{\"" + key + "\":{\"7.0\":" + stamp + "}}");
            }
        }
        for (String platform : List.of("{}", "{\"7.0\":\"20130101T000000Z\",\"6.5\":\"20120101T000000Z\"}",
                "{\"x\":\"20130101T000000Z\"}", "{\"7\":\"20130101T000000Z\"}", "{\"\":\"20130101T000000Z\"}",
                "{\"7.0.1\":\"20130101T000000Z\"}", "[\"20130101T000000Z\"]")) {
            requirements(g, op, "{\"min_platform\":" + platform + "}");
        }
        for (String brand : List.of("\"bhyve\"", "\"kvm\"", "\"\"", "null", "absent")) {
            for (String bootrom : List.of("\"bios\"", "\"uefi\"", "\"BIOS\"", "\"\"", "\"efi\"", "1", "null")) {
                requirements(g, op, brand.equals("absent") ? "{\"bootrom\":" + bootrom + "}"
                        : "{\"brand\":" + brand + ",\"bootrom\":" + bootrom + "}");
            }
        }
        for (String brand : List.of("\"joyent\"", "\"joyent-minimal\"", "\"lx\"", "\"\"", "\"" + "b".repeat(64) + "\"",
                "\"" + "b".repeat(65) + "\"")) {
            requirements(g, op, "{\"brand\":" + brand + "}");
        }
    }

    private static void requirements(ManifestCases g, Op op, String json) {
        ObjectNode b = ManifestCases.base(op);
        b.set("requirements", Json.tree(json));
        g.add(op, "requirements=" + ManifestCases.brief(b.get("requirements")), b);
    }
}
