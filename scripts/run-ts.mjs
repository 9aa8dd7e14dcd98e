// Runs a TypeScript entry point (benchmarks, the W&B test server) by bundling it with esbuild into
// .cache/, next to a copy of the W&B test server's SDL (sdl/), which it reads at run time.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) throw new Error('usage: node scripts/run-ts.mjs <entry.ts> [args...]');
const outDir = join(root, '.cache', 'run-ts', basename(entry, '.ts'));
mkdirSync(outDir, { recursive: true });
await build({ entryPoints: [join(root, entry)], outfile: join(outDir, 'main.js'), bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', sourcemap: true });
rmSync(join(outDir, 'sdl'), { recursive: true, force: true });
cpSync(join(root, 'test', 'wandb-server', 'sdl'), join(outDir, 'sdl'), { recursive: true });
const res = spawnSync(process.execPath, ['--enable-source-maps', join(outDir, 'main.js'), ...args], { stdio: 'inherit', env: { ...process.env, MLGATE_ROOT: root } });
process.exit(res.status ?? 1);
