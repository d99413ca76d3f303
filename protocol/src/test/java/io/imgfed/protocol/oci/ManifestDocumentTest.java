package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.Manifests.D1;
import static io.imgfed.protocol.oci.Manifests.D2;
import static io.imgfed.protocol.oci.Manifests.D3;
import static io.imgfed.protocol.oci.Manifests.D4;
import static io.imgfed.protocol.oci.Manifests.bytes;
import static io.imgfed.protocol.oci.OciAssertions.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Manifest bodies: what is read from the four supported kinds, and every way a body is refused. */
class ManifestDocumentTest {

    private static ManifestDocument parse(String json, String contentType) {
        return ManifestDocument.parse(bytes(json), contentType);
    }

    /** A body built from a template with single quotes for double quotes, refused with MANIFEST_INVALID. */
    private static OciError refused(String singleQuoted, String contentType, String... words) {
        return fails(OciErrorCode.MANIFEST_INVALID, () -> parse(singleQuoted.replace('\'', '"'), contentType), words);
    }

    // ------------------------------------------------------------------------------------- what is read

    @Test
    void ociImageManifest() {
        byte[] body = bytes(Manifests.OCI_IMAGE);
        ManifestDocument m = ManifestDocument.parse(body, MediaTypes.OCI_MANIFEST);
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertFalse(m.isIndex());
        assertEquals(OciDigest.sha256(body), m.digest(), "the digest of the exact bytes");
        assertEquals(body.length, m.size());
        assertEquals(new Descriptor(MediaTypes.OCI_CONFIG, OciDigest.parse(D1), 1470), m.config());
        assertEquals(2, m.layers().size());
        assertEquals(OciDigest.parse(D2), m.layers().get(0).digest());
        assertEquals(3370706, m.layers().get(0).size());
        assertEquals(0, m.layers().get(1).size());
        assertEquals(Map.of("org.opencontainers.image.title", "layer.tar"), m.layers().get(1).annotations());
        assertEquals(List.of(D1, D2, D3), m.blobs().stream().map(d -> d.digest().toString()).toList(),
                "config first, then the layers in order");
        assertEquals(m.blobs(), m.requiredContent());
        assertEquals(List.of(), m.manifests());
        assertEquals(OciDigest.parse(D4), m.subject().digest());
        assertEquals("2024-01-02T03:04:05Z", m.annotations().get("org.opencontainers.image.created"));
        assertNull(m.artifactType());
    }

    @Test
    void dockerSchema2ManifestWithAForeignLayer() {
        ManifestDocument m = parse(Manifests.DOCKER_IMAGE, MediaTypes.DOCKER_MANIFEST);
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
        assertEquals(3, m.blobs().size());
        Descriptor foreign = m.layers().get(1);
        assertTrue(foreign.isNonDistributable());
        assertEquals(List.of("https://mcr.microsoft.com/v2/x/blobs/y"), foreign.urls());
        assertEquals(List.of(D1, D2), m.requiredContent().stream().map(d -> d.digest().toString()).toList(),
                "a push need not hold a foreign layer");
        assertNull(m.subject());
    }

    @Test
    void ociIndexWithPlatforms() {
        ManifestDocument m = parse(Manifests.OCI_INDEX, null);
        assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
        assertTrue(m.isIndex());
        assertNull(m.config());
        assertEquals(List.of(), m.blobs());
        assertEquals(3, m.manifests().size());
        assertEquals(m.manifests(), m.requiredContent());
        assertEquals(Platform.of("linux", "amd64"), m.manifests().get(0).platform());
        Platform arm = m.manifests().get(1).platform();
        assertEquals("linux/arm64/v8", arm.toString());
        assertEquals("6.1", arm.osVersion());
        assertEquals(List.of("f1"), arm.osFeatures());
        assertEquals(List.of("g1", "g2"), arm.features());
        assertNull(m.manifests().get(2).platform());
    }

    @Test
    void dockerManifestList() {
        ManifestDocument m = parse(Manifests.DOCKER_LIST, MediaTypes.DOCKER_MANIFEST_LIST + "; charset=utf-8");
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, m.mediaType());
        assertTrue(m.isIndex());
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.manifests().get(0).mediaType());
    }

    @Test
    void artifactManifestWithEmptyLayersAndArtifactType() {
        ManifestDocument m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "artifactType":"application/vnd.example.sbom.v1",
                 "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2,"data":"e30="},
                 "layers":[]}""".formatted(D1), null);
        assertEquals("application/vnd.example.sbom.v1", m.artifactType());
        assertEquals(List.of(), m.layers());
        assertEquals(1, m.blobs().size());
    }

    // ------------------------------------------------------------------------------- which media type

    @Test
    void mediaTypeComesFromTheBodyThenTheHeaderThenTheFields() {
        String noType = "{'schemaVersion':2,'config':{'mediaType':'a/b','digest':'%s','size':1},'layers':[]}"
                .formatted(D1).replace('\'', '"');
        assertEquals(MediaTypes.OCI_MANIFEST, parse(noType, null).mediaType(), "config and layers: an image");
        assertEquals(MediaTypes.DOCKER_MANIFEST, parse(noType, MediaTypes.DOCKER_MANIFEST).mediaType(), "the header");
        assertEquals(MediaTypes.OCI_MANIFEST, parse(noType, "application/json").mediaType(), "generic: as none");
        assertEquals(MediaTypes.OCI_MANIFEST, parse(noType, "application/octet-stream").mediaType());
        assertEquals(MediaTypes.OCI_MANIFEST, parse(noType, "  ").mediaType());

        String noTypeIndex = "{\"schemaVersion\":2,\"manifests\":[]}";
        assertEquals(MediaTypes.OCI_INDEX, parse(noTypeIndex, null).mediaType(), "manifests: an index");
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, parse(noTypeIndex, MediaTypes.DOCKER_MANIFEST_LIST).mediaType());

        // The body's own mediaType, in any case, with a matching header in any case.
        assertEquals(MediaTypes.OCI_MANIFEST, parse(Manifests.OCI_IMAGE.replace("application/vnd.oci.image.manifest",
                "APPLICATION/vnd.oci.image.manifest"), "application/VND.oci.image.manifest.v1+json").mediaType());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "application/vnd.oci.image.index.v1+json                   | does not match the manifest's mediaType",
        "application/vnd.docker.distribution.manifest.v2+json      | does not match the manifest's mediaType",
        "text/html                                                 | Content-Type \"text/html\" does not match",
        "application/vnd.docker.distribution.manifest.v1+prettyjws | schema 1 is not supported"})
    void headerMustAgreeWithTheBody(String contentType, String why) {
        fails(OciErrorCode.MANIFEST_INVALID, () -> parse(Manifests.OCI_IMAGE, contentType), why);
    }

    @Test
    void unsupportedTypes() {
        refused("{'schemaVersion':2,'mediaType':'application/vnd.oci.artifact.manifest.v1+json','blobs':[]}", null,
                "mediaType \"application/vnd.oci.artifact.manifest.v1+json\" is not a manifest type this registry stores");
        refused("{'schemaVersion':2,'mediaType':7}", null, "mediaType: must be a string, not the number \"7\"");
        refused("{'schemaVersion':2,'manifests':[]}", "text/html", "Content-Type \"text/html\" is not a manifest type");
        refused("{'schemaVersion':2}", null, "no mediaType, no Content-Type and neither");
    }

    // ------------------------------------------------------------------------------------- schema 1 and 2

    @Test
    void schema1IsRefusedHoweverItIsNamed() {
        String signed = "{'schemaVersion':1,'name':'x','tag':'y','fsLayers':[],'signatures':[]}";
        refused(signed, MediaTypes.DOCKER_SCHEMA1_SIGNED, "schema 1 is not supported");
        refused(signed, null, "schema 1 is not supported");
        refused(signed, MediaTypes.DOCKER_SCHEMA1, "schema 1 is not supported");
        refused("{'schemaVersion':2,'mediaType':'application/vnd.docker.distribution.manifest.v1+json'}", null,
                "schema 1 is not supported");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{'manifests':[]}                      | schemaVersion: is required and must be 2",
        "{'schemaVersion':null,'manifests':[]} | schemaVersion: is required and must be 2",
        "{'schemaVersion':3,'manifests':[]}    | schemaVersion: must be 2, not the number \"3\"",
        "{'schemaVersion':2.0,'manifests':[]}  | schemaVersion: must be 2, not the number \"2.0\"",
        "{'schemaVersion':'2','manifests':[]}  | schemaVersion: must be 2, not a string",
        "{'schemaVersion':99999999999999999999,'manifests':[]} | schemaVersion: must be 2"})
    void schemaVersionMustBeTheInteger2(String body, String why) {
        refused(body, null, why);
    }

    // ------------------------------------------------------------------------------------- not JSON

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{                                                | manifest is not valid JSON",
        "not json                                         | manifest is not valid JSON",
        "{'schemaVersion':2}{}                            | manifest is not valid JSON",
        "{'schemaVersion':2,'schemaVersion':2}            | Duplicate field 'schemaVersion'",
        "{'schemaVersion':2,'manifests':[{'size':1,'size':2}]} | Duplicate field 'size'",
        "[]                                               | manifest must be a JSON object, not an array",
        "'a string'                                       | manifest must be a JSON object, not a string",
        "null                                             | manifest must be a JSON object, not null",
        "12                                               | manifest must be a JSON object, not the number"})
    void notAJsonObject(String body, String why) {
        refused(body, null, why);
    }

    @Test
    void emptyBody() {
        fails(OciErrorCode.MANIFEST_INVALID, () -> ManifestDocument.parse(new byte[0], null), "empty");
        fails(OciErrorCode.MANIFEST_INVALID, () -> ManifestDocument.parse(null, null), "empty");
        fails(OciErrorCode.MANIFEST_INVALID, () -> ManifestDocument.parse(bytes("   \n"), null), "no JSON document");
    }

    @Test
    void undecodableBytes() {
        // A UTF-32 byte-order mark followed by an impossible code point.
        byte[] body = {0, 0, (byte) 0xfe, (byte) 0xff, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        fails(OciErrorCode.MANIFEST_INVALID, () -> ManifestDocument.parse(body, null), "not valid JSON");
        byte[] badUtf8 = {'{', '"', (byte) 0xc3, '"', ':', '1', '}'};
        fails(OciErrorCode.MANIFEST_INVALID, () -> ManifestDocument.parse(badUtf8, null), "not valid JSON");
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "{\"schemaVersion\":2,\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + ",\"manifests\":[]}";
        fails(OciErrorCode.MANIFEST_INVALID, () -> parse(deep, null), "not valid JSON");
    }

    @Test
    void sizeLimitIs4MiB() {
        String head = "{\"schemaVersion\":2,\"manifests\":[],\"pad\":\"";
        String tail = "\"}";
        String exactly = head + "x".repeat(ManifestDocument.MAX_BYTES - head.length() - tail.length()) + tail;
        assertEquals(ManifestDocument.MAX_BYTES, bytes(exactly).length);
        assertEquals(ManifestDocument.MAX_BYTES, parse(exactly, null).size(), "4 MiB exactly is accepted");
        String over = head + "x".repeat(ManifestDocument.MAX_BYTES - head.length() - tail.length() + 1) + tail;
        OciError e = fails(OciErrorCode.MANIFEST_INVALID, () -> parse(over, null),
                "manifest is 4194305 bytes; the limit is 4194304");
        assertEquals(400, e.httpStatus());
    }

    // ----------------------------------------------------------------------------- ambiguous documents

    @Test
    void anIndexIsNotAnImageAndViceVersa() {
        String both = "{'schemaVersion':2,%s'manifests':[],'config':{'mediaType':'a/b','digest':'%s','size':1},'layers':[]}";
        refused(both.formatted("", D1), null, "has both 'manifests' and 'config'/'layers' and no mediaType");
        refused(both.formatted("'mediaType':'application/vnd.oci.image.index.v1+json',", D1), null,
                "an index (application/vnd.oci.image.index.v1+json) must not have 'config'");
        refused(both.formatted("'mediaType':'application/vnd.oci.image.manifest.v1+json',", D1), null,
                "an image manifest (application/vnd.oci.image.manifest.v1+json) must not have 'manifests'");
        refused("{'schemaVersion':2,'manifests':[],'layers':[]}", MediaTypes.DOCKER_MANIFEST_LIST,
                "must not have 'layers'");
    }

    // ------------------------------------------------------------------------------------ descriptors

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "'config':{'mediaType':'a/b','digest':'D','size':1}                 | layers: is required",
        "'layers':[]                                                        | config: is required",
        "'config':null,'layers':[]                                          | config: is required",
        "'config':[],'layers':[]                                            | config: must be a descriptor object, not an array",
        "'config':{'digest':'D','size':1},'layers':[]                       | config.mediaType: is required",
        "'config':{'mediaType':'nope','digest':'D','size':1},'layers':[]    | config.mediaType: \"nope\" is not a media type",
        "'config':{'mediaType':'a/b','size':1},'layers':[]                  | config.digest: is required",
        "'config':{'mediaType':'a/b','digest':'sha256:abc','size':1},'layers':[] | config.digest: sha256 digest must be 64 lowercase hex digits",
        "'config':{'mediaType':'a/b','digest':'md5:abc','size':1},'layers':[]    | config.digest: digest algorithm \"md5\" is not supported",
        "'config':{'mediaType':'a/b','digest':'D'},'layers':[]              | config.size: is required",
        "'config':{'mediaType':'a/b','digest':'D','size':-1},'layers':[]    | config.size: must not be negative; it is -1",
        "'config':{'mediaType':'a/b','digest':'D','size':1.5},'layers':[]   | config.size: must be an integer",
        "'config':{'mediaType':'a/b','digest':'D','size':'1'},'layers':[]   | config.size: must be an integer",
        "'config':{'mediaType':'a/b','digest':'D','size':1e3},'layers':[]   | config.size: must be an integer",
        "'config':{'mediaType':'a/b','digest':'D','size':9223372036854775808},'layers':[] | config.size: must be an integer",
        "'config':{'mediaType':'a/b','digest':'D','size':1},'layers':{}     | layers: must be an array of descriptors, not an object",
        "'config':{'mediaType':'a/b','digest':'D','size':1},'layers':[{'mediaType':'a/b','digest':'D','size':1},7] | layers[1]: must be a descriptor object",
        "'config':{'mediaType':'a/b','digest':'D','size':1,'urls':'x'},'layers':[] | config.urls: must be an array of strings, not a string",
        "'config':{'mediaType':'a/b','digest':'D','size':1,'urls':[1]},'layers':[] | config.urls[0]: must be a string",
        "'config':{'mediaType':'a/b','digest':'D','size':1,'annotations':[]},'layers':[] | config.annotations: must be an object of strings",
        "'config':{'mediaType':'a/b','digest':'D','size':1,'annotations':{'k':1}},'layers':[] | config.annotations.\"k\": must be a string",
        "'config':{'mediaType':'a/b','digest':'D','size':1,'artifactType':'x'},'layers':[] | config.artifactType: \"x\" is not a media type",
        "'config':{'mediaType':'a/b','digest':'D','size':1,'data':5},'layers':[] | config.data: must be a string",
        "'config':{'mediaType':'a/b','digest':'D','size':1},'layers':[],'subject':'D' | subject: must be a descriptor object",
        "'config':{'mediaType':'a/b','digest':'D','size':1},'layers':[],'annotations':{'a':null} | annotations.\"a\": must be a string",
        "'config':{'mediaType':'a/b','digest':'D','size':1},'layers':[],'artifactType':'a b/c' | artifactType: \"a b/c\" is not a media type"})
    void badImageManifestFieldsAreNamed(String fields, String why) {
        refused("{'schemaVersion':2," + fields.replace("'D'", "'" + D1 + "'") + "}", MediaTypes.OCI_MANIFEST, why);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "'manifests':null                                                   | manifests: is required",
        "'manifests':[{'mediaType':'a/b','digest':'D','size':1,'platform':[]}] | manifests[0].platform: must be an object",
        "'manifests':[{'mediaType':'a/b','digest':'D','size':1,'platform':{'os':'linux'}}] | manifests[0].platform.architecture: is required",
        "'manifests':[{'mediaType':'a/b','digest':'D','size':1,'platform':{'architecture':'amd64'}}] | manifests[0].platform.os: is required",
        "'manifests':[{'mediaType':'a/b','digest':'D','size':1,'platform':{'architecture':'amd64','os':'linux','os.features':'x'}}] | manifests[0].platform.os.features: must be an array",
        "'manifests':[{'mediaType':'a/b','digest':'D','size':1,'platform':{'architecture':'amd64','os':'linux','variant':1}}] | manifests[0].platform.variant: must be a string"})
    void badIndexFieldsAreNamed(String fields, String why) {
        refused("{'schemaVersion':2," + fields.replace("'D'", "'" + D1 + "'") + "}", MediaTypes.OCI_INDEX, why);
    }

    @Test
    void nullOptionalFieldsAreAbsent() {
        ManifestDocument m = parse(("{'schemaVersion':2,'mediaType':null,'subject':null,'annotations':null,"
                + "'artifactType':null,'manifests':[{'mediaType':'a/b','digest':'%s','size':1,'platform':null,"
                + "'urls':null,'annotations':null}]}").formatted(D1).replace('\'', '"'), null);
        assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
        assertNull(m.subject());
        assertEquals(Map.of(), m.annotations());
        assertEquals(List.of(), m.manifests().get(0).urls());
    }

    @Test
    void sha512DigestsInDescriptorsAreAccepted() {
        String sha512 = "sha512:" + "a".repeat(128);
        ManifestDocument m = parse("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"" + sha512
                + "\",\"size\":1}]}", null);
        assertEquals(sha512, m.manifests().get(0).digest().toString());
    }

    // ---------------------------------------------------------------------------------------- values

    @Test
    void documentsAreValues() {
        ManifestDocument a = parse(Manifests.OCI_IMAGE, null);
        assertEquals(a, parse(Manifests.OCI_IMAGE, MediaTypes.OCI_MANIFEST), "deterministic");
        assertNotEquals(a, parse(Manifests.OCI_IMAGE + " ", null), "one more byte, another digest");
        assertThrows(UnsupportedOperationException.class, () -> a.layers().add(a.config()));
        assertThrows(UnsupportedOperationException.class, () -> a.blobs().add(a.config()));
        assertThrows(UnsupportedOperationException.class, () -> a.annotations().put("k", "v"));
        assertThrows(UnsupportedOperationException.class, () -> a.layers().get(1).annotations().put("k", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Descriptor("a/b", OciDigest.parse(D1), -1));
    }

    @Test
    void parsingTheSameBytesUnderTheirOwnTypeGivesTheSameDocument() {
        for (String json : List.of(Manifests.OCI_IMAGE, Manifests.DOCKER_IMAGE, Manifests.OCI_INDEX,
                Manifests.DOCKER_LIST)) {
            ManifestDocument m = parse(json, null);
            assertEquals(m, parse(json, m.mediaType()));
            assertTrue(Arrays.equals(bytes(json), bytes(json)) && m.digest().matches(bytes(json)));
        }
    }
}
