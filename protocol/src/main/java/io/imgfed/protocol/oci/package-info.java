/**
 * The OCI Distribution front's wire model (Distribution Spec v1.1, Docker Registry HTTP API v2): pure values and
 * parsers, no I/O and no Vert.x, so the routes in the replicator and the tests share one reading of the spec.
 *
 * <ul>
 * <li>Path parts, valid by construction: {@link io.imgfed.protocol.oci.RepositoryName},
 *     {@link io.imgfed.protocol.oci.Reference} (a {@link io.imgfed.protocol.oci.Tag} or an
 *     {@link io.imgfed.protocol.oci.OciDigest}), and {@link io.imgfed.protocol.oci.UpstreamRef} for the mirror.</li>
 * <li>Bodies: {@link io.imgfed.protocol.oci.ManifestDocument} (with {@link io.imgfed.protocol.oci.Descriptor}
 *     and {@link io.imgfed.protocol.oci.Platform}), {@link io.imgfed.protocol.oci.TagList} paged by
 *     {@link io.imgfed.protocol.oci.TagPage}.</li>
 * <li>Headers: {@link io.imgfed.protocol.oci.AcceptHeader}, {@link io.imgfed.protocol.oci.ContentRange},
 *     {@link io.imgfed.protocol.oci.UploadRange}, and the constants of {@link io.imgfed.protocol.oci.MediaTypes}.</li>
 * <li>Errors: every refusal is an {@link io.imgfed.protocol.oci.OciException} carrying an
 *     {@link io.imgfed.protocol.oci.OciError} with an {@link io.imgfed.protocol.oci.OciErrorCode} (and so its
 *     HTTP status); {@link io.imgfed.protocol.oci.OciErrors} renders the spec's error body.</li>
 * </ul>
 *
 * Client input never gets another exception out of this package, and never comes back in a message uncut or
 * unescaped.
 */
package io.imgfed.protocol.oci;
