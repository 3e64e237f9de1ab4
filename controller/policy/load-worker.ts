/** Worker entry of loadPolicySetOffThread: loads each revision it is sent and posts the result back (plain data). */
import { parentPort } from 'node:worker_threads';
import { loadPolicySet, type LoadOptions } from './load.js';
import type { FetchResult } from '../sources/types.js';

parentPort!.on('message', ({ id, result, options }: { id: number; result: FetchResult; options: LoadOptions }) => {
  try {
    parentPort!.postMessage({ id, outcome: loadPolicySet(result, options) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
// Modules loaded: from here on, time spent is the revision's (the parent starts each load's clock after this).
parentPort!.postMessage({ ready: true });
