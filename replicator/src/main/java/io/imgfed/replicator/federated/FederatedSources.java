package io.imgfed.replicator.federated;

import io.imgfed.federation.topology.SourceChooser;
import io.imgfed.transfer.pull.SourceCandidate;
import io.imgfed.transfer.pull.SourcePicker;
import java.util.List;
import java.util.Set;

/** The transfer engine's source choice, answered by the federation's view of who holds what. */
public final class FederatedSources implements SourcePicker {
    private final SourceChooser chooser;

    public FederatedSources(SourceChooser chooser) {
        this.chooser = chooser;
    }

    @Override
    public List<SourceCandidate> candidates(String sha1, Set<String> excluded) {
        return chooser.candidates(sha1, excluded).stream().map(c -> new SourceCandidate(c.dc(), c.peer())).toList();
    }

    @Override
    public void measured(String dc, long bytes, long nanos) {
        chooser.throughput().record(dc, bytes, nanos);
    }
}
