package dev.edgeflow.core.spool.internal;

import static dev.edgeflow.core.spool.internal.SpoolFormat.SEGMENT_HEADER_BYTES;

import dev.edgeflow.core.spool.SpoolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;

/**
 * Reads a spool directory on open: finds the segments, checks every record, cuts a torn
 * record off the end of the last segment, reports damage elsewhere with file and offset and
 * reads on past it, and works out where appending and reading resume. Foreign files are left
 * alone; nothing found in the directory makes the open fail, except segments of a newer
 * format, which this code must not touch.
 */
final class Recovery {
    /** What the scan found. */
    static final class Result {
        final List<Segment> segments = new ArrayList<>();
        Segment active;
        FileChannel activeChannel;
        long nextSequence;
        long savedCursor;
        long publishedSequence = -1;
        long recordsHeld;
        long corrupt;
        long totalBytes;
        Segment readerStart;
        long readerOffset;
        long readerLastSequence;
    }

    private final SpoolConfig config;
    private final Path dir;
    private final Logger log;
    private final RecordScanner scanner = new RecordScanner();

    Recovery(SpoolConfig config) {
        this.config = config;
        this.dir = config.directory();
        this.log = config.log();
    }

    Result run(CursorFile cursorFile) throws IOException {
        Result r = new Result();
        long cursor = cursorFile.cursor();
        r.savedCursor = cursor;
        if (cursorFile.damaged()) {
            log.warn("spool {}: the saved confirmed position in file '{}' is damaged; records confirmed before "
                    + "are handed out again", dir, SpoolFormat.CURSOR_FILE);
        }
        TreeMap<Long, Path> files = listSegments();
        long lastValid = -1;
        int i = 0;
        try {
            for (Map.Entry<Long, Path> e : files.entrySet()) {
                boolean last = ++i == files.size();
                Segment seg = recover(e.getKey(), e.getValue(), last, lastValid, cursor, r);
                if (seg != null) {
                    r.segments.add(seg);
                    r.totalBytes += seg.size;
                    lastValid = Math.max(lastValid, seg.lastSequence);
                }
            }
            r.publishedSequence = lastValid;
            long lastBase = r.segments.isEmpty() ? -1 : r.segments.get(r.segments.size() - 1).baseSequence;
            r.nextSequence = Math.max(Math.max(lastValid + 1, cursor),
                    r.active != null ? r.active.baseSequence : lastBase + 1);
            if (r.active == null) {
                Path path = dir.resolve(SpoolFormat.segmentFileName(r.nextSequence));
                r.activeChannel = SpoolFiles.createSegment(config.opener(), path, r.nextSequence);
                SpoolFiles.syncDirectory(config.opener(), dir);
                Segment seg = new Segment(r.nextSequence, path, true);
                seg.readableEnd = SEGMENT_HEADER_BYTES;
                seg.size = SEGMENT_HEADER_BYTES;
                r.active = seg;
                r.segments.add(seg);
                r.totalBytes += seg.size;
            }
        } catch (IOException | RuntimeException e) {
            SpoolFiles.closeQuietly(r.activeChannel);
            throw e;
        }
        if (r.readerStart == null) {
            r.readerStart = r.active;
            r.readerOffset = r.active.readableEnd;
            r.readerLastSequence = r.nextSequence - 1;
        }
        if (r.recordsHeld > 0) {
            log.info("spool {}: {} unconfirmed records in {} segments ({} bytes) to hand out", dir, r.recordsHeld,
                    r.segments.size(), r.totalBytes);
        }
        return r;
    }

    private TreeMap<Long, Path> listSegments() throws IOException {
        TreeMap<Long, Path> segments = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.equals(SpoolFormat.LOCK_FILE) || name.equals(SpoolFormat.CURSOR_FILE)) {
                    continue;
                }
                if (name.equals(SpoolFormat.SPARE_FILE)) {
                    deleteSpare(p);
                    continue;
                }
                long base = SpoolFormat.parseSegmentFileName(name);
                if (base >= 0 && Files.isRegularFile(p)) {
                    segments.put(base, p);
                } else if (name.endsWith(SpoolFormat.SEGMENT_SUFFIX + SpoolFormat.CORRUPT_SUFFIX)) {
                    log.warn("spool {}: ignoring '{}': a damaged segment set aside earlier; delete it once inspected",
                            dir, name);
                } else {
                    log.warn("spool {}: ignoring '{}': not a file of the spool; it is left as it is", dir, name);
                }
            }
        }
        return segments;
    }

    private Segment recover(long base, Path path, boolean last, long lastValid, long cursor, Result r)
            throws IOException {
        String name = path.getFileName().toString();
        long size = Files.size(path);
        if (last && size < SEGMENT_HEADER_BYTES) {
            log.warn("spool {}: segment {} ends inside its header ({} bytes): a crash while it was created; "
                    + "it is started afresh", dir, name, size);
            r.activeChannel = SpoolFiles.createSegment(config.opener(), path, base);
            Segment seg = new Segment(base, path, true);
            seg.readableEnd = SEGMENT_HEADER_BYTES;
            seg.size = SEGMENT_HEADER_BYTES;
            r.active = seg;
            return seg;
        }
        Segment seg;
        long tornAt = -1;
        List<Long> damage = new ArrayList<>();
        try (FileChannel ch = config.opener().open(path, EnumSet.of(StandardOpenOption.READ))) {
            String headerProblem = checkHeader(ch, size, base, name);
            boolean intact = headerProblem == null;
            if (!intact) {
                log.warn("spool {}: segment {} has a damaged header ({}): its intact records are still read, "
                        + "nothing more is appended to it", dir, name, headerProblem);
            }
            seg = new Segment(base, path, intact);
            long start = Math.min(SEGMENT_HEADER_BYTES, size);
            long[] tail = {-1};
            RecordScanner.DamageListener listener = (from, to, toEnd) -> {
                if (toEnd) {
                    tail[0] = from; // judged once the scan is over: a torn record or damage
                } else {
                    reportDamage(r, damage, name, from, to, false);
                }
            };
            long p = start;
            long min = Math.max(lastValid + 1, base);
            long end = start;
            boolean marked = false;
            while (true) {
                if (scanner.isEndMarkAt(ch, p, size, base)) {
                    marked = true; // a reused segment: what follows is from its earlier life, not to be read
                    break;
                }
                if (!scanner.next(ch, p, size, min, listener)) {
                    break;
                }
                long seq = scanner.sequence();
                seg.recordCount++;
                seg.lastSequence = seq;
                if (seq < cursor) {
                    seg.confirmedCount++;
                } else {
                    r.recordsHeld++;
                    if (r.readerStart == null) {
                        r.readerStart = seg;
                        r.readerOffset = scanner.offset();
                        r.readerLastSequence = seq - 1;
                    }
                }
                p = scanner.end();
                end = p;
                min = seq + 1;
            }
            if (tail[0] >= 0) {
                if (last && intact) {
                    tornAt = tail[0];
                } else {
                    reportDamage(r, damage, name, tail[0], size, true);
                }
            }
            seg.readableEnd = end;
            seg.size = marked ? p : size;
            seg.knownDamage = damage.stream().mapToLong(Long::longValue).toArray();
            scanner.reset();
        }
        if (!seg.headerIntact && seg.recordCount == 0) {
            return setAside(seg);
        }
        if (last && seg.headerIntact) {
            FileChannel rw = config.opener().open(path, EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
            try {
                if (tornAt >= 0) {
                    rw.truncate(tornAt);
                    rw.force(false);
                    log.warn("spool {}: cut {} bytes of an unfinished record off the end of segment {} at offset {}: "
                            + "an append cut short by a crash or a power loss", dir, size - tornAt, name, tornAt);
                    seg.size = tornAt;
                }
            } catch (IOException e) {
                rw.close();
                throw e;
            }
            r.activeChannel = rw;
            r.active = seg;
        } else {
            seg.sealed = true;
        }
        return seg;
    }

    private void reportDamage(Result r, List<Long> damage, String name, long from, long to, boolean toEnd) {
        r.corrupt++;
        damage.add(from);
        log.warn("spool {}: skipped {} damaged bytes at offset {} of segment {} (no intact record there: bad "
                + "checksum, length or sequence); reading resumes {}", dir, to - from, from, name,
                toEnd ? "in the next segment" : "at offset " + to);
    }

    /** A spare left by a process that stopped: its stale records could pass for new ones in a later spool. */
    private void deleteSpare(Path spare) {
        try {
            Files.deleteIfExists(spare);
        } catch (IOException e) {
            log.warn("spool {}: cannot delete '{}', a confirmed segment kept for reuse: {}; it is left unused", dir,
                    spare.getFileName(), SpoolFiles.describe(e));
        }
    }

    /** Why a header is not intact, or null if it is. */
    private String checkHeader(FileChannel ch, long size, long base, String name) throws IOException {
        if (size < SEGMENT_HEADER_BYTES) {
            return "only " + size + " bytes";
        }
        ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
            // read the whole header
        }
        if (h.getInt(0) != SpoolFormat.SEGMENT_MAGIC) {
            return "no segment magic";
        }
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, SEGMENT_HEADER_BYTES - 4);
        if ((int) crc.getValue() != h.getInt(SEGMENT_HEADER_BYTES - 4)) {
            return "header checksum does not match";
        }
        int version = h.getInt(4);
        if (version > SpoolFormat.FORMAT_VERSION) {
            throw new SpoolException(dir, "segment " + name + " in spool directory " + dir + " has format version "
                    + version + ", and this edgeflow reads version " + SpoolFormat.FORMAT_VERSION
                    + ": open the directory with the edgeflow version that wrote it, or move it aside", null);
        }
        if (version < 1) {
            return "format version " + version;
        }
        long headerBase = h.getLong(8);
        if (headerBase != base) {
            return "the header says it starts at sequence " + headerBase + ", its name says " + base;
        }
        return null;
    }

    /** Renames a segment with a damaged header and no intact record, so that it is out of the way but kept. */
    private Segment setAside(Segment seg) {
        Path target = seg.path.resolveSibling(seg.name() + SpoolFormat.CORRUPT_SUFFIX);
        try {
            Files.move(seg.path, target, StandardCopyOption.REPLACE_EXISTING);
            log.warn("spool {}: segment {} holds no intact record; renamed it to '{}' for inspection", dir, seg,
                    target.getFileName());
            return null;
        } catch (IOException e) {
            log.warn("spool {}: segment {} holds no intact record and cannot be renamed ({}); it is deleted once "
                    + "the cursor passes it", dir, seg, SpoolFiles.describe(e));
            seg.sealed = true;
            return seg;
        }
    }
}
