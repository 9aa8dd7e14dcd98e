// Bundles the offline GraphiQL page (src/ide/client) into ide-dist/ with esbuild. Fonts and images
// the CSS references are inlined, so the page never loads from another origin.
import { build } from 'esbuild';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'ide-dist');
const outputs = [join(outDir, 'graphiql.js'), join(outDir, 'graphiql.css')];
const clientDir = join(root, 'src', 'ide', 'client');
const inputs = [join(root, 'package-lock.json'), join(root, 'scripts', 'build-ide.mjs'), ...readdirSync(clientDir).map((f) => join(clientDir, f))];

const mtime = (f) => statSync(f).mtimeMs;
const upToDate = outputs.every(existsSync) && Math.min(...outputs.map(mtime)) > Math.max(...inputs.map(mtime));

if (upToDate) {
  console.log('build-ide: ide-dist is up to date');
} else {
  const started = Date.now();
  await build({
    entryPoints: { graphiql: join(clientDir, 'main.js') },
    outdir: outDir,
    bundle: true,
    minify: true,
    platform: 'browser',
    target: 'es2020',
    format: 'iife',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.log(`build-ide: built ide-dist in ${Date.now() - started} ms`);
}
