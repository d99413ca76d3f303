package io.imgfed.protocol.oci;

import java.util.List;
import java.util.Objects;

/**
 * The platform an index names for one of its manifests, so that a prefetch of "linux/amd64 only" picks the
 * right child. {@code architecture} and {@code os} are required by the image spec; the rest may be null or
 * empty.
 */
public record Platform(String architecture, String os, String osVersion, List<String> osFeatures, String variant,
        List<String> features) {

    public Platform {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(os, "os");
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
        features = features == null ? List.of() : List.copyOf(features);
    }

    /** A platform with only its required parts. */
    public static Platform of(String os, String architecture) {
        return new Platform(architecture, os, null, List.of(), null, List.of());
    }

    /** {@code os/architecture[/variant]}, as platforms are written on command lines. */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
