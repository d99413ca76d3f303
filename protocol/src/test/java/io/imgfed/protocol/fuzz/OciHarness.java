package io.imgfed.protocol.fuzz;

import static io.imgfed.protocol.fuzz.Contract.check;
import static io.imgfed.protocol.fuzz.Contract.orOciError;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.imgfed.protocol.oci.AcceptHeader;
import io.imgfed.protocol.oci.ContentRange;
import io.imgfed.protocol.oci.Descriptor;
import io.imgfed.protocol.oci.ManifestDocument;
import io.imgfed.protocol.oci.MediaTypes;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.Reference;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.protocol.oci.Tag;
import io.imgfed.protocol.oci.TagPage;
import io.imgfed.protocol.oci.UpstreamRef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * One fuzz input through the OCI front's wire model, in one of four modes: a manifest body with a
 * Content-Type; a request path's name, reference and {@code ns}; request headers (Accept, Content-Range) and
 * tag-list paging; a reference alone. Every refusal must be a 4xx {@code OciException} whose body renders
 * ({@link Contract#orOciError}); what is accepted must keep the invariants below.
 *
 * <p>Input layout: the last byte holds the flags (mode in bits 0-1; in manifest mode, the Content-Type in bits
 * 2-4, one of {@link #CONTENT_TYPES}; in path mode, bit 2 sets a default upstream); the rest is the manifest's
 * bytes, or text whose lines are: name, reference, ns (path mode); Accept, Content-Range, n, last, then tags
 * (header mode); a reference (reference mode). So a seed is a body or some lines, followed by one byte.
 */
final class OciHarness {
    static final List<String> CONTENT_TYPES = Arrays.asList(null, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_SCHEMA1_SIGNED,
            "application/json", "text/html; charset=utf-8");
    static final Set<String> UPSTREAMS = Set.of("docker.io", "ghcr.io", "mirror-a");

    /** How far an input got. */
    enum Outcome { REFUSED, ACCEPTED }

    private OciHarness() {
    }

    static Outcome run(FuzzedDataProvider d) {
        int flags = d.consumeByte() & 0xff;
        return switch (flags & 3) {
            case 0 -> manifest(d.consumeRemainingAsBytes(), CONTENT_TYPES.get((flags >>> 2) & 7));
            case 1 -> path(lines(d.consumeRemainingAsString()), (flags & 4) != 0 ? "docker.io" : null);
            case 2 -> headers(lines(d.consumeRemainingAsString()));
            default -> reference(d.consumeRemainingAsString());
        };
    }

    static Outcome manifest(byte[] body, String contentType) {
        ManifestDocument m = orOciError(() -> ManifestDocument.parse(body, contentType));
        if (m == null) {
            return Outcome.REFUSED;
        }
        check(MediaTypes.MANIFESTS.contains(m.mediaType()), "accepted media type " + m.mediaType());
        check(m.digest().equals(OciDigest.sha256(body)) && m.size() == body.length, "digest or size is not the body's");
        if (m.isIndex()) {
            check(m.config() == null && m.layers().isEmpty() && m.blobs().isEmpty(), "an index with blobs");
            check(m.requiredContent().equals(m.manifests()), "an index requires its manifests");
        } else {
            check(m.config() != null && m.manifests().isEmpty(), "an image manifest without config, or with children");
            check(m.blobs().size() == m.layers().size() + 1 && m.blobs().get(0).equals(m.config())
                    && m.blobs().subList(1, m.blobs().size()).equals(m.layers()), "blobs are not config then layers");
        }
        List<Descriptor> all = new ArrayList<>(m.blobs());
        all.addAll(m.manifests());
        if (m.subject() != null) {
            all.add(m.subject());
        }
        for (Descriptor desc : all) {
            check(desc.size() >= 0 && MediaTypes.isWellFormed(desc.mediaType()), "descriptor accepted: " + desc);
            check(OciDigest.parse(desc.digest().toString()).equals(desc.digest()), "digest does not round-trip");
        }
        // The type the document was read as, given as the Content-Type, changes nothing.
        ManifestDocument again = orOciError(() -> ManifestDocument.parse(body, m.mediaType()));
        check(m.equals(again), "parsing under its own media type gives " + again + " instead of " + m);
        return Outcome.ACCEPTED;
    }

    static Outcome path(List<String> lines, String defaultUpstream) {
        String nameText = line(lines, 0);
        RepositoryName name = orOciError(() -> RepositoryName.parse(nameText));
        Reference ref = orOciError(() -> Reference.parse(line(lines, 1)));
        if (name != null) {
            check(name.value().equals(nameText) && nameText.length() <= RepositoryName.MAX_LENGTH, "name changed");
            for (char c : nameText.toCharArray()) {
                check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || ".-_/".indexOf(c) >= 0, "accepted " + c);
            }
            check(RepositoryName.parse(String.join("/", name.components())).equals(name), "components lose something");
        }
        if (ref != null) {
            check(Reference.parse(ref.toString()).equals(ref), "reference does not round-trip");
            check(ref.isDigest() == ref.toString().contains(":"), "a ':' decides tag or digest");
            check(ref.isDigest() || Tag.isValid(ref.toString()), "an invalid tag accepted");
        }
        if (name == null || ref == null) {
            return Outcome.REFUSED;
        }
        String ns = lines.size() > 2 ? lines.get(2) : null;
        UpstreamRef up = orOciError(() -> UpstreamRef.resolve(name, ns, UPSTREAMS, defaultUpstream));
        if (up == null) {
            return Outcome.REFUSED;
        }
        check(up.isLocal() || UPSTREAMS.contains(up.upstream()), "an upstream nobody configured: " + up.upstream());
        check(!up.viaDefault() || up.upstream().equals(defaultUpstream), "default upstream mixed up");
        check(up.key().endsWith(up.name().value()), "key does not end in the name");
        return Outcome.ACCEPTED;
    }

    static Outcome headers(List<String> lines) {
        AcceptHeader accept = AcceptHeader.parse(List.of(line(lines, 0)));
        for (String t : MediaTypes.MANIFESTS) {
            double q = accept.quality(t);
            check(q >= 0 && q <= 1 && accept.accepts(t) == (q > 0), "quality " + q);
        }
        check(!accept.isEmpty() || accept.accepts("x/y"), "no readable range must accept anything");
        ContentRange range = orOciError(() -> ContentRange.parse(line(lines, 1)));
        if (range != null) {
            check(range.start() >= 0 && range.end() >= range.start() && range.length() >= 1, "range " + range);
            orOciError(() -> {
                range.requireStartsAt(range.start());
                range.requireLength(range.length());
                return null;
            });
        }
        Integer n = orOciError(() -> TagPage.parseLimit(line(lines, 2)));
        String last = line(lines, 3);
        List<String> tags = lines.size() > 4 ? lines.subList(4, lines.size()) : List.of();
        TagPage page = orOciError(() -> TagPage.of(tags, n, last));
        check(page != null, "a parsed n cannot be refused");
        List<String> got = page.tags();
        for (int i = 0; i < got.size(); i++) {
            check(last.isEmpty() || got.get(i).compareTo(last) > 0, "a tag not after last");
            check(i == 0 || got.get(i - 1).compareTo(got.get(i)) < 0, "tags not strictly sorted");
        }
        check(n == null || got.size() <= n, "more than n tags");
        check(page.hasMore() == (page.linkHeader(RepositoryName.parse("r")) != null), "Link without more, or more without");
        return range == null || n == null && !line(lines, 2).isEmpty() ? Outcome.REFUSED : Outcome.ACCEPTED;
    }

    static Outcome reference(String text) {
        Reference ref = orOciError(() -> Reference.parse(text));
        if (ref == null) {
            return Outcome.REFUSED;
        }
        check(ref.toString().equals(text), "reference changed: " + text);
        if (ref instanceof OciDigest digest) {
            check(digest.matches(text.getBytes(StandardCharsets.UTF_8))
                    == digest.equals(OciDigest.of(digest.algorithm(), digest.newMessageDigest()
                            .digest(text.getBytes(StandardCharsets.UTF_8)))), "matches disagrees with hashing");
        }
        return Outcome.ACCEPTED;
    }

    private static List<String> lines(String text) {
        return List.of(text.split("\n", -1));
    }

    private static String line(List<String> lines, int i) {
        return i < lines.size() ? lines.get(i) : "";
    }
}
