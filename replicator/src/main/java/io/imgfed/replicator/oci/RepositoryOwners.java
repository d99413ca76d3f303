package io.imgfed.replicator.oci;

import java.util.Map;

/**
 * Which account a repository's bytes are billed to (oci.owners): the owner of the longest configured prefix
 * that ends at a component boundary ({@code team} covers {@code team/app} and {@code team/app/web}, not
 * {@code teams/x}); a mirrored repository is named with its upstream's id first ({@code docker.io/library}).
 * A repository no prefix covers has no owner: its events carry none (and an empty Kafka key).
 */
public final class RepositoryOwners {
    private final Map<String, String> owners;

    public RepositoryOwners(Map<String, String> owners) {
        this.owners = Map.copyOf(owners);
    }

    /** The owner of {@code repository}, or null. */
    public String of(String repository) {
        String best = null;
        int bestLength = -1;
        for (Map.Entry<String, String> e : owners.entrySet()) {
            String prefix = e.getKey();
            boolean covers = repository.equals(prefix) || repository.startsWith(prefix + "/");
            if (covers && prefix.length() > bestLength) {
                best = e.getValue();
                bestLength = prefix.length();
            }
        }
        return best;
    }
}
