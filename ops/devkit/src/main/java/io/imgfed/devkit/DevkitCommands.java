package io.imgfed.devkit;

import io.imgfed.replicator.cli.CliExtension;
import java.util.List;

/** Adds the development commands ({@code demo}) to the {@code imgfed} executable. */
public final class DevkitCommands implements CliExtension {
    @Override
    public Iterable<Object> commands() {
        return List.of(new DemoCommand());
    }
}
