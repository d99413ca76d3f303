package io.imgfed.replicator.config;

/** A configuration problem, worded as the one line an operator sees: the key and what is wrong with it. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key == null ? problem : key + ": " + problem, null, false, false);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
