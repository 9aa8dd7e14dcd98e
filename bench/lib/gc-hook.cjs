// Preloaded into the gateway by bench/load.ts only (node --expose-gc -r): SIGUSR2 runs a full
// collection, so memory read afterwards is what the gateway holds, not garbage V8 has not yet
// collected; with MLGATE_BENCH_HEAP_DIR set it also writes a heap snapshot there, to see what
// is retained. The product has no such hook.
const { writeHeapSnapshot } = require('node:v8');
const { join } = require('node:path');

let n = 0;
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const dir = process.env.MLGATE_BENCH_HEAP_DIR;
  if (dir) writeHeapSnapshot(join(dir, `gateway-${++n}.heapsnapshot`));
});
