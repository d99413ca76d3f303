package io.imgfed.replicator.billing;

import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.api.Uploads;
import io.imgfed.replicator.peer.PeerTls;
import io.imgfed.transfer.pull.FileRequest;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferOutcome;
import io.imgfed.transfer.pull.TransferReason;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.UUID;

/**
 * Bills an upload that another DC forwarded here, to the image's home: its bytes crossed from the DC the client
 * sent them to into this one. One event (reason {@code upload}, source the forwarding DC, as its peer certificate
 * names it), appended before the upload is answered; a failed upload is billed as failed for the bytes that
 * arrived.
 */
public final class ForwardedUploads implements Uploads.Billing {
    private final String dc;
    private final TransferListener recorder;

    public ForwardedUploads(String dc, TransferListener recorder) {
        this.dc = dc;
        this.recorder = recorder;
    }

    @Override
    public Future<Void> crossed(RoutingContext ctx, Manifest image, ImageFile file, long bytes, long startedAtMillis,
            String error) {
        String from = ctx.request().getHeader(PeerTls.DC_HEADER);
        if (from == null || from.equals(dc) || (error != null && bytes == 0)) {
            return Future.succeededFuture();
        }
        String requestId = ClientApi.requestId(ctx);
        FileRequest what = new FileRequest(file == null ? null : file.sha1(), file == null ? bytes : file.size(),
                file == null ? null : file.md5(), file == null ? null : file.sha256(), null, image.uuid(), image.owner(),
                TransferReason.UPLOAD, requestId);
        String transferId = "upload-" + UUID.nameUUIDFromBytes((requestId + "/" + image.uuid()).getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        TransferOutcome outcome = new TransferOutcome(transferId, what, dc, error == null, Map.of(from, bytes), from, 1,
                startedAtMillis, System.currentTimeMillis(), error);
        return recorder.recording(outcome);
    }
}
