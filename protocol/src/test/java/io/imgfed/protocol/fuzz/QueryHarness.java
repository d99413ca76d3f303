package io.imgfed.protocol.fuzz;

import static io.imgfed.protocol.fuzz.Contract.check;
import static io.imgfed.protocol.fuzz.Contract.orClientError;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.query.ImageOrder;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.protocol.query.UploadParams;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One fuzz input through HTTP query parsing as the daemon does it: ListImages' {@link ImageQuery#parse} (then
 * {@code matches} against a set of different images) and AddImageFile's {@link UploadParams#parse}.
 *
 * <p>Input layout: the last byte holds the flags (bit 0: upload parameters instead of a listing; bit 1: a
 * structured parameter list built by the fuzzer instead of a query string); the rest is a query string such as
 * {@code state=all&owner=...&limit=10}, decoded like a URL's, where a parameter {@code _cl} stands for the
 * Content-Length header. So a seed is a query string followed by one byte.
 */
final class QueryHarness {
    static final List<String> NAMES = List.of("state", "owner", "name", "version", "public", "os", "type", "account",
            "limit", "marker", "tag.role", "tag.n", "tag.", "tag.on", "billing_tag", "compression", "sha1",
            "dataset_guid", "source", "action", "_cl", "channel", "uuid");
    static final List<String> VALUES = List.of("all", "active", "unactivated", "disabled", "true", "false", "~base",
            "~", "!smartos", "!", "smartos", "linux", "zone-dataset", "!zvol", "zvol", "1", "0", "1000", "1001",
            "0010", "-1", "+5", "99999999999", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
            "11111111-1111-4111-8111-111111111111", "2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.678Z",
            "2024-02-30", "2024-01-02T24:00:00Z", "2024-12-31T23:59:60Z", "gzip", "bzip2", "xz", "none",
            "0123456789abcdef0123456789abcdef01234567", "db", "3", "gold", "", " 12", "20", "21474836480",
            "21474836481", "9223372036854775807", "9223372036854775808", "00000000000000000001");

    /** Images to match queries against: different states, owners, visibility, tags. */
    static final List<Manifest> IMAGES;
    static {
        List<Manifest> images = new ArrayList<>(ManifestHarness.CURRENT);
        Manifest plain = ManifestHarness.CURRENT.get(0);
        images.add(Manifest.of(plain.fieldsCopy(), null, false, "other-dc"));
        images.add(plain.withDisabled(true));
        images.add(ManifestHarness.CURRENT.get(1).withDisabled(false));
        IMAGES = List.copyOf(images);
    }

    /** How far an input got. */
    enum Outcome { REFUSED, ACCEPTED }

    private QueryHarness() {
    }

    static Outcome run(FuzzedDataProvider d) {
        int flags = d.consumeByte() & 0xff;
        boolean upload = (flags & 1) != 0;
        Map<String, List<String>> params = (flags & 2) != 0 ? structured(d) : queryString(d.consumeRemainingAsString());
        List<String> cl = params.remove("_cl");
        String contentLength = cl == null || cl.isEmpty() ? null : cl.get(0);
        if (upload) {
            UploadParams u = orClientError(() -> UploadParams.parse(params, contentLength));
            if (u == null) {
                return Outcome.REFUSED;
            }
            check(u.compression() != null, "no compression");
            check(u.contentLength() == -1 || (u.contentLength() > 0 && u.contentLength() <= ImageFile.MAX_SIZE),
                    "content length " + u.contentLength() + " accepted");
            check(u.sha1() == null || ImageFile.SHA1.matcher(u.sha1()).matches(), "sha1 " + u.sha1() + " accepted");
            return Outcome.ACCEPTED;
        }
        ImageQuery q = orClientError(() -> ImageQuery.parse(params));
        if (q == null) {
            return Outcome.REFUSED;
        }
        check(q.limit() >= 1 && q.limit() <= ImageQuery.MAX_LIMIT, "limit " + q.limit() + " accepted");
        check(q.owner() == null || ManifestValidator.UUID.matcher(q.owner()).matches(), "owner " + q.owner());
        check(q.account() == null || ManifestValidator.UUID.matcher(q.account()).matches(), "account " + q.account());
        for (Manifest m : IMAGES) {
            boolean matched = q.matches(m);
            check(!matched || m.visibleTo(q.account()), "a listing shows " + m + " to account " + q.account());
        }
        if (q.marker() instanceof ImageQuery.DateMarker dm) {
            check(ManifestValidator.PUBLISHED_AT.matcher(dm.publishedAt()).matches() && dm.publishedAt().length() == 24,
                    "date marker not normalised: " + dm.publishedAt());
            IMAGES.forEach(m -> ImageOrder.of(m).compareTo(ImageOrder.atTime(dm.publishedAt())));
        }
        return Outcome.ACCEPTED;
    }

    /** Parameters as Vert.x hands them over: split on & and the first =, each part URL-decoded. */
    static Map<String, List<String>> queryString(String qs) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : qs.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static Map<String, List<String>> structured(FuzzedDataProvider d) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int n = d.consumeInt(0, 16);
        for (int i = 0; i < n && d.remainingBytes() > 0; i++) {
            String name = d.consumeBoolean() ? d.pickValue(NAMES) : d.consumeString(24);
            String value = d.consumeBoolean() ? d.pickValue(VALUES) : d.consumeString(128);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }
}
