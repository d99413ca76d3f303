package io.imgfed.transfer.pull;

import java.util.List;
import java.util.Set;

/** Which DCs to pull a file from, best first; the federation layer knows who holds what. */
public interface SourcePicker {

    List<SourceCandidate> candidates(String sha1, Set<String> excluded);

    /** Reports how fast a source delivered, so later choices prefer fast links. */
    void measured(String dc, long bytes, long nanos);
}
