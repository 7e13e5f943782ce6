// Two builds of the browser code (src/server is Node-only and never bundled):
//   dist/lib     ESM library, one module per source file, dependencies external, with .d.ts
//   dist/bundle  trainwatch.js, one self-contained file for <script type="module"> on any page
import { build } from 'vite';
import { execFileSync } from 'node:child_process';
import { rmSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const only = process.argv[2]; // "lib" | "bundle" | undefined (both)
const external = [/^lit($|\/)/, /^@lit\//, /^uplot($|\/)/, /^@clickhouse\//];

if (!only || only === 'lib') {
  rmSync('dist/lib', { recursive: true, force: true });
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: 'dist/lib',
      emptyOutDir: true,
      sourcemap: true,
      minify: false,
      target: 'es2022',
      lib: { entry: { index: 'src/index.ts', define: 'src/define.ts' }, formats: ['es'] },
      rollupOptions: { external, output: { preserveModules: true, preserveModulesRoot: 'src', entryFileNames: '[name].js' } },
    },
  });
  // vite empties dist/lib, so declarations come after it.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

if (!only || only === 'bundle') {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: 'dist/bundle',
      emptyOutDir: true,
      sourcemap: false,
      minify: true,
      target: 'es2022',
      lib: { entry: 'src/define.ts', formats: ['es'], fileName: () => 'trainwatch.js' },
      rollupOptions: { output: { codeSplitting: false } },
    },
  });
  const file = 'dist/bundle/trainwatch.js';
  const gz = gzipSync(readFileSync(file)).length;
  console.log(`${file}: ${(statSync(file).size / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
}
