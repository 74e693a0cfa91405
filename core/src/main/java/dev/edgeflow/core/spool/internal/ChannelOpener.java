package dev.edgeflow.core.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens the spool's file channels. {@link #DEFAULT} is {@link FileChannel#open}; tests put a
 * channel in between that fails as a full or broken disk would, because a real full disk
 * needs a small file system that not every test machine can mount.
 */
@FunctionalInterface
public interface ChannelOpener {
    /** Opens with {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])}. */
    ChannelOpener DEFAULT = FileChannel::open;

    /**
     * Opens a file.
     *
     * @param path the file
     * @param options how to open it
     * @return the channel
     * @throws IOException if it cannot be opened
     */
    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
}
