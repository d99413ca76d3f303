package io.imgfed.protocol.oci;

import java.nio.charset.StandardCharsets;

/** Manifests as real tools write them, for the tests of this package. */
final class Manifests {
    static final String D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    static final String D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    static final String D3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    static final String D4 = "sha256:4444444444444444444444444444444444444444444444444444444444444444";

    /** An OCI image manifest with a config, two layers, a subject and annotations. */
    static final String OCI_IMAGE = """
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.oci.image.manifest.v1+json",
              "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 1470},
              "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 3370706},
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": "%s", "size": 0,
                 "annotations": {"org.opencontainers.image.title": "layer.tar"}}
              ],
              "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 528},
              "annotations": {"org.opencontainers.image.created": "2024-01-02T03:04:05Z"},
              "futureField": {"ignored": true}
            }""".formatted(D1, D2, D3, D4);

    /** A Docker schema 2 manifest, as docker push writes it. */
    static final String DOCKER_IMAGE = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469, "digest": "%s"},
               "layers": [
                  {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3370628, "digest": "%s"},
                  {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "size": 1,
                   "digest": "%s", "urls": ["https://mcr.microsoft.com/v2/x/blobs/y"]}
               ]
            }""".formatted(D1, D2, D3);

    /** An OCI index with two platforms and an attestation manifest without one. */
    static final String OCI_INDEX = """
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.oci.image.index.v1+json",
              "manifests": [
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 1000,
                 "platform": {"architecture": "amd64", "os": "linux"}},
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 1001,
                 "platform": {"architecture": "arm64", "os": "linux", "variant": "v8", "os.version": "6.1",
                              "os.features": ["f1"], "features": ["g1", "g2"]}},
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 840,
                 "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
              ]
            }""".formatted(D1, D2, D3);

    /** A Docker manifest list. */
    static final String DOCKER_LIST = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
             "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":528,
             "digest":"%s","platform":{"architecture":"amd64","os":"linux"}}]}""".formatted(D1);

    private Manifests() {
    }

    static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
