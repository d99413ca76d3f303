package io.imgfed.protocol.compat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ops/compat/imgmanifest/judge.js} (IMGAPI's request handling around the npm package imgmanifest)
 * on a batch of requests in one node process and reads its verdicts. Requests and answers go through files,
 * one JSON line each, so a large batch cannot deadlock on pipe buffers.
 */
final class ImgmanifestJudge {
    /** Writes only ASCII, escaping the rest, so lone surrogates and controls reach node exactly as Java holds them. */
    static final ObjectMapper ASCII = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final long TIMEOUT_SECONDS = 120;

    /** One field error as judge.js reports it. */
    record FieldCode(String field, String code) {
    }

    /** IMGAPI's verdict: valid, or the field errors; {@code threw} when IMGAPI would fail with a 500. */
    record Verdict(boolean valid, List<FieldCode> errors, String threw) {
        @Override
        public String toString() {
            return valid ? "valid" : "invalid " + (threw != null ? "(throws " + threw + ")" : errors.toString());
        }
    }

    private final Path dir;

    ImgmanifestJudge(Path dir) {
        this.dir = dir;
    }

    /** Why the judge cannot run here, or null when it can. */
    static String unavailable() {
        Path compat = compatDir();
        if (nodeVersion() == null) {
            return "node is not on PATH; run ops/ci/prepare on a machine with node";
        }
        if (!Files.isDirectory(compat.resolve("node_modules/imgmanifest"))) {
            return "no node_modules/imgmanifest in " + compat + "; run ops/ci/prepare (npm ci there)";
        }
        return null;
    }

    /** Judges {@code requests} (objects with id, op, body and optional account / uuid); answers in the same order. */
    List<Verdict> judge(List<ObjectNode> requests) throws IOException, InterruptedException {
        Path in = dir.resolve("judge-in.jsonl");
        Path out = dir.resolve("judge-out.jsonl");
        Path err = dir.resolve("judge-err.txt");
        try (BufferedWriter w = Files.newBufferedWriter(in, StandardCharsets.UTF_8)) {
            for (ObjectNode r : requests) {
                w.write(ASCII.writeValueAsString(r));
                w.write('\n');
            }
        }
        Process node = new ProcessBuilder("node", "judge.js")
                .directory(compatDir().toFile())
                .redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("judge.js did not finish within " + TIMEOUT_SECONDS + " s");
        }
        if (node.exitValue() != 0) {
            throw new IllegalStateException("judge.js exited " + node.exitValue() + ": " + Files.readString(err));
        }
        List<Verdict> verdicts = new ArrayList<>();
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode v = ASCII.readTree(lines.get(i));
            if (v.path("id").asInt(-1) != requests.get(i).path("id").asInt()) {
                throw new IllegalStateException("judge.js answered out of order at line " + (i + 1) + ": " + lines.get(i));
            }
            List<FieldCode> errors = new ArrayList<>();
            v.path("errors").forEach(e -> errors.add(new FieldCode(e.path("field").asText(), e.path("code").asText())));
            verdicts.add(new Verdict(v.path("valid").asBoolean(), errors, v.hasNonNull("threw") ? v.get("threw").asText() : null));
        }
        if (verdicts.size() != requests.size()) {
            throw new IllegalStateException("judge.js answered " + verdicts.size() + " of " + requests.size()
                    + " requests: " + Files.readString(err));
        }
        return verdicts;
    }

    /** {@code ops/compat/imgmanifest} of this checkout: walks up from the working directory. */
    static Path compatDir() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/compat"))) {
                return p.resolve("ops/compat/imgmanifest");
            }
        }
        throw new IllegalStateException("no ops/compat above " + System.getProperty("user.dir"));
    }

    /** node's version, or null when it cannot be run. */
    static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? v : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
