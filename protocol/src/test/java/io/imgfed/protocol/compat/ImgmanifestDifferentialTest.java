package io.imgfed.protocol.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.compat.ImgmanifestJudge.FieldCode;
import io.imgfed.protocol.compat.ImgmanifestJudge.Verdict;
import io.imgfed.protocol.compat.KnownDifferences.Check;
import io.imgfed.protocol.compat.KnownDifferences.Difference;
import io.imgfed.protocol.compat.KnownDifferences.Side;
import io.imgfed.protocol.compat.ManifestCase.Op;
import io.imgfed.protocol.error.ImgapiException;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: imgfed's ManifestValidator and IMGAPI's own validator, the npm package imgmanifest (behind IMGAPI's
 * request handling, {@code ops/compat/imgmanifest/judge.js}), judge the same generated manifests and must agree
 * on valid or invalid for each, except where {@link KnownDifferences} says why they differ.
 *
 * <p>Like is compared with like: a CreateImage body with {@link ManifestValidator#validateCreate} against
 * IMGAPI's CreateImage path (apiCreateImage, Image.create, then imgmanifest.validateDcManifest), an
 * AdminImportImage body with {@link ManifestValidator#validateImport} against IMGAPI's import path (the same,
 * with the body's uuid and published_at); and every manifest imgfed accepts, as it then serves it (unactivated,
 * and active with a file), against validateDcManifest alone, which is what IMGAPI requires of every image it
 * holds. imgfed's validator must also never fail with anything but a validation error.
 *
 * <p>Skips when node or the npm package is missing ({@code ops/ci/prepare} runs {@code npm ci} there).
 */
class ImgmanifestDifferentialTest {
    static final long SEED = 12;
    static final String ASSIGNED_UUID = "99999999-9999-4999-8999-999999999999";
    static final ImageFile FILE = new ImageFile("0123456789abcdef0123456789abcdef01234567", 4096, Compression.GZIP,
            null, null, null);

    @TempDir
    Path dir;

    /** imgfed's verdict: the accepted fields, or the field errors; {@code crash} for anything but a 4xx. */
    record Imgfed(ObjectNode accepted, List<FieldCode> errors, String crash) {
        boolean valid() {
            return accepted != null;
        }

        @Override
        public String toString() {
            return valid() ? "valid" : crash != null ? "crash " + crash : "invalid " + errors;
        }
    }

    /** One comparison: what was judged, by which check, and both verdicts. */
    private record Compared(String what, Check check, JsonNode body, Imgfed ours, Verdict theirs) {
    }

    @Test
    void imgfedAndImgmanifestAgreeOnEveryGeneratedManifest() throws Exception {
        String why = ImgmanifestJudge.unavailable();
        Assumptions.assumeTrue(why == null, why);
        long t0 = System.nanoTime();

        List<ManifestCase> cases = ManifestCases.generate(SEED);
        List<ObjectNode> requests = new ArrayList<>();
        List<Compared> pending = new ArrayList<>();
        for (ManifestCase c : cases) {
            // Both sides read the same bytes: imgfed through its own body parser, node through JSON.parse.
            JsonNode body = Json.parseBody(ImgmanifestJudge.ASCII.writeValueAsBytes(c.body()));
            Imgfed ours = imgfed(c, body);
            ObjectNode r = request(requests.size(), c.op().wire, body);
            if (c.account() != null) {
                r.put("account", c.account());
            }
            if (c.pathUuid() != null) {
                r.put("uuid", c.pathUuid());
            }
            requests.add(r);
            pending.add(new Compared(c.toString(), c.op() == Op.CREATE ? Check.CREATE : Check.IMPORT, body, ours, null));
            if (ours.valid()) {
                for (ObjectNode served : served(ours.accepted())) {
                    requests.add(request(requests.size(), "dc", served));
                    pending.add(new Compared(c + " as served " + served.path("state").asText(), Check.SERVED, served,
                            new Imgfed(served, List.of(), null), null));
                }
            }
        }
        long tNode = System.nanoTime();
        List<Verdict> verdicts = new ImgmanifestJudge(dir).judge(requests);
        long nodeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tNode);

        Map<String, Integer> excused = new LinkedHashMap<>();
        KnownDifferences.ALL.forEach(d -> excused.put(d.name() + " (" + d.refuses() + " refuses)", 0));
        List<String> crashes = new ArrayList<>();
        List<String> unexplained = new ArrayList<>();
        int disagreements = 0;
        for (int i = 0; i < pending.size(); i++) {
            Compared c = pending.get(i);
            Verdict theirs = verdicts.get(i);
            if (c.ours().crash() != null) {
                crashes.add(c.what() + ": " + c.ours());
            }
            if (c.ours().valid() == theirs.valid()) {
                continue;
            }
            disagreements++;
            List<Difference> used = explain(c, theirs);
            if (used == null) {
                unexplained.add(c.what() + "\n      imgfed: " + c.ours() + "\n      IMGAPI: " + theirs
                        + "\n      body: " + ManifestCases.brief(c.body()));
            } else {
                used.forEach(d -> excused.merge(d.name() + " (" + d.refuses() + " refuses)", 1, Integer::sum));
            }
        }

        StringBuilder report = new StringBuilder();
        report.append(cases.size()).append(" manifests, ").append(pending.size()).append(" comparisons, ")
                .append(disagreements).append(" disagreements, ").append(unexplained.size()).append(" unexplained, ")
                .append(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).append(" ms (node ").append(nodeMs)
                .append(" ms); known differences:\n");
        excused.forEach((name, n) -> report.append(String.format("  %5d  %s%n", n, name)));
        System.out.println(report);

        assertTrue(crashes.isEmpty(), "imgfed's validator failed with something other than a validation error:\n"
                + String.join("\n", crashes));
        assertTrue(unexplained.isEmpty(), unexplained.size() + " disagreements no known difference explains:\n"
                + String.join("\n", unexplained.subList(0, Math.min(60, unexplained.size()))) + "\n" + report);
        List<String> stale = excused.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
        assertTrue(stale.isEmpty(), "known differences that no longer occur (remove them from KnownDifferences): "
                + stale);
    }

    /** The known differences that explain every field error of the refusing side, or null when one is unexplained. */
    private static List<Difference> explain(Compared c, Verdict theirs) {
        Side refuses = c.ours().valid() ? Side.IMGAPI : Side.IMGFED;
        List<FieldCode> errors = refuses == Side.IMGFED ? c.ours().errors() : theirs.errors();
        if (errors.isEmpty() || (refuses == Side.IMGAPI && theirs.threw() != null)) {
            return null;
        }
        List<Difference> used = new ArrayList<>();
        for (FieldCode e : errors) {
            Difference d = KnownDifferences.ALL.stream()
                    .filter(k -> k.covers(c.check(), refuses, e.field(), c.body()))
                    .findFirst().orElse(null);
            if (d == null) {
                return null;
            }
            if (!used.contains(d)) {
                used.add(d);
            }
        }
        return used;
    }

    private static ObjectNode request(int id, String op, JsonNode body) {
        ObjectNode r = Json.object();
        r.put("id", id);
        r.put("op", op);
        r.set("body", body);
        return r;
    }

    static Imgfed imgfed(ManifestCase c, JsonNode body) {
        try {
            ObjectNode out = c.op() == Op.CREATE
                    ? ManifestValidator.validateCreate(body.deepCopy(), c.account())
                    : ManifestValidator.validateImport(body.deepCopy(), c.pathUuid());
            return new Imgfed(out, List.of(), null);
        } catch (ImgapiException e) {
            List<FieldCode> errors = new ArrayList<>();
            e.error().errors().forEach(f -> errors.add(new FieldCode(f.field(), f.code().name())));
            if (errors.isEmpty()) {
                errors.add(new FieldCode("body", e.error().code().wireName()));
            }
            return new Imgfed(null, errors, null);
        } catch (RuntimeException e) {
            return new Imgfed(null, List.of(), e.toString());
        }
    }

    /**
     * The manifests imgfed serves for accepted fields, as IMGAPI's database holds an image (with
     * {@code activated}, without imgfed's {@code home_dc}): unactivated without a file, and activated with one.
     */
    static List<ObjectNode> served(ObjectNode accepted) {
        ObjectNode fields = accepted.deepCopy();
        if (!fields.has("uuid")) {
            fields.put("uuid", ASSIGNED_UUID);
        }
        Manifest created = Manifest.of(fields, null, false, "dc-a");
        List<ObjectNode> out = new ArrayList<>();
        for (Manifest m : List.of(created, created.withFile(FILE).activate("2024-05-06T07:08:09.123Z"))) {
            ObjectNode json = m.toJson();
            json.remove("home_dc");
            json.put("activated", m.activated());
            out.add(json);
        }
        return out;
    }
}
