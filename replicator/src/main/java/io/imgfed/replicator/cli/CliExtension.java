package io.imgfed.replicator.cli;

/**
 * Adds top-level commands to {@code imgfed} from another module on the classpath (found by ServiceLoader),
 * so development tooling such as {@code demo} stays out of the daemon's own module.
 */
public interface CliExtension {
    /** picocli command objects (annotated with {@code @Command}). */
    Iterable<Object> commands();
}
