package io.imgfed.replicator.oci;

import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.Reference;
import io.imgfed.protocol.oci.RepositoryName;

/**
 * What a {@code /v2/...} path names. A repository name may contain slashes (and components called "blobs" or
 * "manifests"), so the path is split at the last endpoint keyword, as the CNCF registry's router does.
 */
sealed interface OciPath {
    /** {@code /v2/}: the API version check. */
    record Base() implements OciPath {
    }

    record Manifest(RepositoryName name, Reference reference) implements OciPath {
    }

    record Blob(RepositoryName name, OciDigest digest) implements OciPath {
    }

    /** {@code /v2/<name>/blobs/uploads/} (session null: start one) or {@code .../uploads/<session>}. */
    record Upload(RepositoryName name, String session) implements OciPath {
    }

    record TagsList(RepositoryName name) implements OciPath {
    }

    /** A path under /v2/ that names no endpoint. */
    record Unknown() implements OciPath {
    }

    /** Parses the path (already percent-decoded by the HTTP layer) of a request under /v2/. */
    static OciPath parse(String path) {
        if (path.equals("/v2") || path.equals("/v2/")) {
            return new Base();
        }
        String rest = path.substring("/v2/".length());
        if (rest.endsWith("/tags/list")) {
            return new TagsList(RepositoryName.parse(rest.substring(0, rest.length() - "/tags/list".length())));
        }
        int u = rest.lastIndexOf("/blobs/uploads/");
        if (u > 0) {
            String session = rest.substring(u + "/blobs/uploads/".length());
            if (session.contains("/")) {
                return new Unknown();
            }
            return new Upload(RepositoryName.parse(rest.substring(0, u)), session.isEmpty() ? null : session);
        }
        if (rest.endsWith("/blobs/uploads")) {
            return new Upload(RepositoryName.parse(rest.substring(0, rest.length() - "/blobs/uploads".length())), null);
        }
        int m = rest.lastIndexOf("/manifests/");
        int b = rest.lastIndexOf("/blobs/");
        if (m > 0 && m > b) {
            String ref = rest.substring(m + "/manifests/".length());
            RepositoryName name = RepositoryName.parse(rest.substring(0, m));
            return new Manifest(name, Reference.parse(ref));
        }
        if (b > 0) {
            RepositoryName name = RepositoryName.parse(rest.substring(0, b));
            String digest = rest.substring(b + "/blobs/".length());
            try {
                return new Blob(name, OciDigest.parse(digest));
            } catch (OciException e) {
                throw new OciException(OciErrorCode.DIGEST_INVALID, e.getMessage());
            }
        }
        return new Unknown();
    }
}
