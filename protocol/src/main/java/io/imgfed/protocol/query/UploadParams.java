package io.imgfed.protocol.query;

import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.Compression;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.manifest.WireEnum;
import java.util.List;
import java.util.Map;

/**
 * The parameters of AddImageFile ({@code PUT /images/:uuid/file}): what the uploader declares about the
 * bytes it is about to send, checked before a single byte is stored.
 *
 * @param contentLength the declared length, or -1 for a chunked upload
 */
public record UploadParams(Compression compression, String sha1, String datasetGuid, long contentLength) {

    public static UploadParams parse(Map<String, List<String>> params, String contentLengthHeader) {
        String compression = single(params, "compression");
        if (compression == null) {
            throw ImgapiError.invalidParameter(FieldError.missing("compression")).toException();
        }
        Compression c = WireEnum.parse(Compression.class, compression);
        if (c == null) {
            throw ImgapiError.invalidParameter("compression",
                    "compression must be one of: " + WireEnum.names(Compression.class)).toException();
        }
        String sha1 = single(params, "sha1");
        if (sha1 != null && !ImageFile.SHA1.matcher(sha1).matches()) {
            throw ImgapiError.invalidParameter("sha1", "sha1 must be 40 lowercase hex digits").toException();
        }
        String guid = single(params, "dataset_guid");
        if (guid != null && !ManifestValidator.UUID.matcher(guid).matches()) {
            throw ImgapiError.invalidParameter("dataset_guid", "dataset_guid must be a lowercase uuid").toException();
        }
        if (single(params, "source") != null) {
            throw ImgapiError.invalidParameter("source",
                    "source is not supported: imgfed pulls files between DCs by itself").toException();
        }
        long length = -1;
        if (contentLengthHeader != null) {
            String digits = contentLengthHeader.trim();
            if (!digits.matches("^\\d{1,19}$")) {
                throw ImgapiError.withField(ErrorCode.INVALID_HEADER, "Content-Length", "Content-Length is not a number")
                        .toException();
            }
            try {
                length = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw ImgapiError.withField(ErrorCode.INVALID_HEADER, "Content-Length", "Content-Length is too large")
                        .toException();
            }
            if (length < 0) {
                throw ImgapiError.withField(ErrorCode.INVALID_HEADER, "Content-Length", "Content-Length is negative")
                        .toException();
            }
            if (length == 0) {
                throw ImgapiError.withField(ErrorCode.UPLOAD, "Content-Length", "image file must not be empty").toException();
            }
            if (length > ImageFile.MAX_SIZE) {
                throw ImgapiError.withField(ErrorCode.UPLOAD, "Content-Length",
                        "image file is larger than the " + ImageFile.MAX_SIZE + " byte maximum").toException();
            }
        }
        return new UploadParams(c, sha1, guid, length);
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw ImgapiError.invalidParameter(name, name + " may be given only once").toException();
        }
        return v.get(0);
    }
}
