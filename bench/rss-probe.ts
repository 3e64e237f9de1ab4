/** Preloaded into a benchmarked process: writes its peak resident set size (bytes) to BENCH_RSS_FILE at exit. */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kibibytes and covers the whole life of the process.
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
