package io.imgfed.transfer.pull;

import java.util.List;
import java.util.Set;

/** Engine tests' federation: one DC holds every file, and is never excluded. */
record OneSourcePicker(SourceCandidate source) implements SourcePicker {
    /** DC "a", at an address nobody dials (the tests' fetchers do not). */
    static OneSourcePicker dcA() {
        return new OneSourcePicker(new SourceCandidate("a", "127.0.0.1:1"));
    }

    @Override
    public List<SourceCandidate> candidates(String sha1, Set<String> excluded) {
        return List.of(source);
    }

    @Override
    public void measured(String dc, long bytes, long nanos) {
    }
}
