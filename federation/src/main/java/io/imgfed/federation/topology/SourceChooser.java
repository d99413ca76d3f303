package io.imgfed.federation.topology;

import io.imgfed.federation.FederationSettings;
import io.imgfed.federation.gossip.AvailabilityGossip;
import io.imgfed.federation.liveness.DcDirectory;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.FileState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which DCs a file can be pulled from, best first: DCs that hold it whole and are not gone, ordered by
 * configured cost, then health (alive before suspect), then measured throughput.
 */
public final class SourceChooser {

    /** A DC that can serve the file, with why it ranks where it does. */
    public record Candidate(String dc, String peer, double cost, DcStatus status, double bytesPerSecond, boolean measured) {
    }

    private static final Comparator<Candidate> ORDER = Comparator.comparingDouble(Candidate::cost)
            .thenComparing(c -> c.status() == DcStatus.ALIVE ? 0 : 1)
            .thenComparing(Comparator.comparingDouble(Candidate::bytesPerSecond).reversed())
            .thenComparing(Candidate::dc);

    private final FederationSettings settings;
    private final DcDirectory directory;
    private final AvailabilityGossip availability;
    private final ThroughputEstimates throughput;

    public SourceChooser(FederationSettings settings, DcDirectory directory, AvailabilityGossip availability,
            ThroughputEstimates throughput) {
        this.settings = settings;
        this.directory = directory;
        this.availability = availability;
        this.throughput = throughput;
    }

    /** Candidates for a file, best first, leaving out this DC and the DCs in {@code excluded}. */
    public List<Candidate> candidates(String sha1, Set<String> excluded) {
        List<Candidate> out = new ArrayList<>();
        for (Map.Entry<String, AvailabilityRecord> e : availability.holders(sha1).entrySet()) {
            String dc = e.getKey();
            if (dc.equals(settings.dc()) || excluded.contains(dc) || e.getValue().state() != FileState.PRESENT) {
                continue;
            }
            DcStatus status = directory.status(dc);
            String peer = directory.peerAddress(dc);
            if (status == DcStatus.GONE || peer == null) {
                continue;
            }
            out.add(new Candidate(dc, peer, settings.costOf(dc), status, throughput.estimate(dc), throughput.measured(dc)));
        }
        out.sort(ORDER);
        return out;
    }

    public ThroughputEstimates throughput() {
        return throughput;
    }
}
