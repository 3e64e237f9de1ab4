/**
 * Preloaded into a benchmarked process (--import). Writes its peak resident set size (bytes) to BENCH_RSS_FILE at
 * exit. With BENCH_SAMPLES_FILE it also appends a sample every 100 ms, one JSON line each (ProbeSample), so a
 * benchmark can cut a long-lived process's life into phases, and the samples up to the last second survive a
 * process that dies (an out-of-heap abort runs no exit handler). Heap figures are the main thread's; RSS is the
 * whole process's (worker threads included).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

/** One sample: the time, memory now and the peak so far, and the GC work since the previous sample. */
export interface ProbeSample {
  /** Epoch ms (the same clock as the process's log lines). */
  t: number;
  rss: number;
  /** Peak RSS of the process so far (bytes). */
  maxRss: number;
  heapUsed: number;
  heapTotal: number;
  /** V8's heap size limit (bytes): what --max-old-space-size and the young generation allow. */
  heapLimit: number;
  /** Scavenges (young generation) and their pause, ms. */
  minor: number;
  minorMs: number;
  /** Mark-sweep-compacts (whole heap, incremental steps included) and their pause, ms. */
  major: number;
  majorMs: number;
  /** CPU time of the whole process so far (user + system, every thread), ms. */
  cpuMs: number;
}

const SAMPLE_MS = 100;
const FLUSH_MS = 1_000;

// Worker threads inherit --import: only the main thread samples (their own heaps are counted in RSS only).
const rssFile = isMainThread ? process.env.BENCH_RSS_FILE : undefined;
if (rssFile) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kibibytes and covers the whole life of the process.
    writeFileSync(rssFile, String(process.resourceUsage().maxRSS * 1024));
  });
}

const samplesFile = isMainThread ? process.env.BENCH_SAMPLES_FILE : undefined;
if (samplesFile) {
  const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.minor += 1;
        gc.minorMs += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR || kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) {
        gc.major += 1;
        gc.majorMs += entry.duration;
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const heapLimit = getHeapStatistics().heap_size_limit;
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(samplesFile, pending.join(''));
    pending = [];
  };
  setInterval(() => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const sample: ProbeSample = {
      t: Date.now(),
      rss: memory.rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      heapLimit,
      ...gc,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    gc.minor = gc.minorMs = gc.major = gc.majorMs = 0;
    pending.push(`${JSON.stringify(sample)}\n`);
  }, SAMPLE_MS).unref();
  setInterval(flush, FLUSH_MS).unref();
  process.on('exit', flush);
}
