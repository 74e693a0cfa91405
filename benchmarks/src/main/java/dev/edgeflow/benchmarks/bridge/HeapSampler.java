package dev.edgeflow.benchmarks.bridge;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Heap figures for the overload run. Three views, because no single one is the truth:
 * the sampled heap in use (includes garbage not yet collected, so it follows -Xmx more than the
 * bridge), the heap in use right after the last collection of each pool (what the bridge keeps
 * alive), and the JVM's own per-pool peaks (summed, an upper bound since pools peak at
 * different moments).
 */
final class HeapSampler {
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .collect(Collectors.toList());
    private volatile long maxUsed;
    private volatile long maxLiveAfterGc;

    /** Takes one sample; called from one thread only. */
    void sample() {
        long used = 0;
        long afterGc = 0;
        for (MemoryPoolMXBean p : heapPools) {
            used += p.getUsage().getUsed();
            MemoryUsage collected = p.getCollectionUsage();
            if (collected != null) {
                afterGc += collected.getUsed();
            }
        }
        if (used > maxUsed) {
            maxUsed = used;
        }
        if (afterGc > maxLiveAfterGc) {
            maxLiveAfterGc = afterGc;
        }
    }

    long usedNow() {
        long used = 0;
        for (MemoryPoolMXBean p : heapPools) {
            used += p.getUsage().getUsed();
        }
        return used;
    }

    long maxUsed() {
        return maxUsed;
    }

    long maxLiveAfterGc() {
        return maxLiveAfterGc;
    }

    long sumOfPoolPeaks() {
        long sum = 0;
        for (MemoryPoolMXBean p : heapPools) {
            sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    static long heapMax() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }
}
