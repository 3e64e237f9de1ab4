/** Worker entry of loadPolicySetOffThread: loads one revision and posts the result back (plain data). */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPolicySet, type LoadOptions } from './load.js';
import type { FetchResult } from '../sources/types.js';

const { result, options } = workerData as { result: FetchResult; options: LoadOptions };
parentPort!.postMessage(loadPolicySet(result, options));
