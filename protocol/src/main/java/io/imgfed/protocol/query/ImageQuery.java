package io.imgfed.protocol.query;

import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageOs;
import io.imgfed.protocol.manifest.ImageState;
import io.imgfed.protocol.manifest.ImageType;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.manifest.WireEnum;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed ListImages request: IMGAPI's filters, the inclusive marker and the page size. Parsing rejects
 * anything it cannot honour with InvalidParameter naming the parameter, instead of silently ignoring it.
 */
public record ImageQuery(
        Set<ImageState> states,
        String owner,
        TextMatch name,
        TextMatch version,
        Boolean isPublic,
        EnumMatch<ImageOs> os,
        EnumMatch<ImageType> type,
        Map<String, String> tags,
        List<String> billingTags,
        String account,
        int limit,
        Marker marker) {

    public static final int MAX_LIMIT = 1000;
    private static final Pattern DATE_ONLY = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}$");
    private static final Set<String> SINGLE_VALUED = Set.of(
            "state", "owner", "name", "version", "public", "os", "type", "account", "limit", "marker");

    /** {@code name=x} matches exactly, {@code name=~x} matches a substring. */
    public record TextMatch(String value, boolean substring) {
        boolean test(String s) {
            if (s == null) {
                return false;
            }
            return substring ? s.contains(value) : s.equals(value);
        }
    }

    /** {@code os=x} matches x, {@code os=!x} matches anything but x. */
    public record EnumMatch<E extends Enum<E>>(E value, boolean negated) {
        boolean test(E e) {
            return negated != (e == value);
        }
    }

    /** Where a page starts: at an image (by uuid) or at a publication time; both inclusive. */
    public sealed interface Marker permits UuidMarker, DateMarker {
    }

    public record UuidMarker(String uuid) implements Marker {
    }

    /** A normalised {@code yyyy-MM-ddTHH:mm:ss.SSSZ} time; images published at or after it are listed. */
    public record DateMarker(String publishedAt) implements Marker {
    }

    /** Parses query parameters (each name with all its values, in order). */
    public static ImageQuery parse(Map<String, List<String>> params) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (SINGLE_VALUED.contains(e.getKey()) && e.getValue().size() > 1) {
                throw ImgapiError.invalidParameter(e.getKey(), e.getKey() + " may be given only once").toException();
            }
        }
        Set<ImageState> states = parseState(first(params, "state"));
        String owner = uuidParam(params, "owner");
        String account = uuidParam(params, "account");
        TextMatch name = textMatch(first(params, "name"));
        TextMatch version = textMatch(first(params, "version"));
        Boolean isPublic = parseBoolean("public", first(params, "public"));
        EnumMatch<ImageOs> os = enumMatch("os", first(params, "os"), ImageOs.class);
        EnumMatch<ImageType> type = enumMatch("type", first(params, "type"), ImageType.class);
        Map<String, String> tags = new LinkedHashMap<>();
        List<String> billingTags = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (e.getKey().startsWith("tag.")) {
                String key = e.getKey().substring(4);
                if (key.isEmpty()) {
                    throw ImgapiError.invalidParameter("tag", "tag filters look like tag.KEY=VALUE").toException();
                }
                if (e.getValue().size() > 1) {
                    throw ImgapiError.invalidParameter(e.getKey(), e.getKey() + " may be given only once").toException();
                }
                tags.put(key, e.getValue().get(0));
            }
        }
        List<String> bt = params.get("billing_tag");
        if (bt != null) {
            billingTags.addAll(bt);
        }
        int limit = parseLimit(first(params, "limit"));
        Marker marker = parseMarker(first(params, "marker"));
        return new ImageQuery(states, owner, name, version, isPublic, os, type, Map.copyOf(tags),
                List.copyOf(billingTags), account, limit, marker);
    }

    /** Whether an image passes every filter, including visibility to {@code account}. */
    public boolean matches(Manifest m) {
        if (states != null && !states.contains(m.state())) {
            return false;
        }
        if (owner != null && !owner.equals(m.owner())) {
            return false;
        }
        if (name != null && !name.test(m.name())) {
            return false;
        }
        if (version != null && !version.test(m.version())) {
            return false;
        }
        if (isPublic != null && isPublic != m.isPublic()) {
            return false;
        }
        if (os != null && !os.test(m.os())) {
            return false;
        }
        if (type != null && !type.test(m.type())) {
            return false;
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (!t.getValue().equals(m.tagValue(t.getKey()))) {
                return false;
            }
        }
        if (!billingTags.isEmpty() && !m.billingTags().containsAll(billingTags)) {
            return false;
        }
        return m.visibleTo(account);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static Set<ImageState> parseState(String s) {
        if (s == null) {
            return EnumSet.of(ImageState.ACTIVE);
        }
        if (s.equals("all")) {
            return null;
        }
        ImageState st = WireEnum.parse(ImageState.class, s);
        if (st == null) {
            throw ImgapiError.invalidParameter("state", "state must be one of: all, " + WireEnum.names(ImageState.class))
                    .toException();
        }
        return EnumSet.of(st);
    }

    private static String uuidParam(Map<String, List<String>> params, String name) {
        String v = first(params, name);
        if (v != null && !ManifestValidator.UUID.matcher(v).matches()) {
            throw ImgapiError.invalidParameter(name, name + " must be a lowercase uuid").toException();
        }
        return v;
    }

    private static TextMatch textMatch(String s) {
        if (s == null) {
            return null;
        }
        return s.startsWith("~") ? new TextMatch(s.substring(1), true) : new TextMatch(s, false);
    }

    private static Boolean parseBoolean(String name, String s) {
        if (s == null) {
            return null;
        }
        return switch (s) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw ImgapiError.invalidParameter(name, name + " must be true or false").toException();
        };
    }

    private static <E extends Enum<E> & WireEnum> EnumMatch<E> enumMatch(String name, String s, Class<E> type) {
        if (s == null) {
            return null;
        }
        boolean negated = s.startsWith("!");
        E value = WireEnum.parse(type, negated ? s.substring(1) : s);
        if (value == null) {
            throw ImgapiError.invalidParameter(name, name + " must be one of (optionally prefixed by !): "
                    + WireEnum.names(type)).toException();
        }
        return new EnumMatch<>(value, negated);
    }

    private static int parseLimit(String s) {
        if (s == null) {
            return MAX_LIMIT;
        }
        if (s.matches("^\\d{1,4}$")) {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        }
        throw ImgapiError.invalidParameter("limit", "limit must be an integer from 1 to " + MAX_LIMIT).toException();
    }

    private static Marker parseMarker(String s) {
        if (s == null) {
            return null;
        }
        if (ManifestValidator.UUID.matcher(s).matches()) {
            return new UuidMarker(s);
        }
        String iso = DATE_ONLY.matcher(s).matches() ? s + "T00:00:00.000Z" : s;
        if (ManifestValidator.PUBLISHED_AT.matcher(iso).matches() && ManifestValidator.realTime(iso)) {
            return new DateMarker(iso.length() == 20 ? iso.substring(0, 19) + ".000Z" : iso);
        }
        throw ImgapiError.invalidParameter("marker", "marker must be an image uuid or an ISO-8601 date").toException();
    }
}
