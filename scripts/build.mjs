// The browser code (src/server is Node-only and never bundled), built as:
//   custom-elements.json  the elements' API from their classes and JSDoc (`npm run manifest`)
//   dist/lib              ESM library, one module per source file, dependencies external, with .d.ts
//                         (including trainwatch/react and trainwatch/vue, src/frameworks/)
//   dist/bundle           trainwatch.js, one self-contained file for <script type="module"> on any page
//   dist/typed-page       test/typed-page built from the package as a user's bundler would
//                         (the browser tests run it)
import { build } from 'vite';
import { build as esbuild, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { leaveOutUnusedParts } from './leave-out.mjs';
import { minifyTemplatesPlugin } from './minify-templates.mjs';

const only = process.argv[2]; // "manifest" | "lib" | "bundle" | "typed-page" | undefined (all)
const external = [/^lit($|\/)/, /^@lit\//, /^uplot($|\/)/, /^@clickhouse\//];

if (!only || only === 'manifest') {
  execFileSync('npx', ['cem', 'analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet'], { stdio: 'inherit' });
}

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
      lib: { entry: { index: 'src/index.ts', define: 'src/define.ts', 'frameworks/vue': 'src/frameworks/vue.ts' }, formats: ['es'] },
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
    // The wiki page's download: Lit templates without their source indentation (scripts/minify-templates.mjs),
    // without the parts of @clickhouse/client-web and uPlot that trainwatch never runs (scripts/leave-out.mjs).
    plugins: [minifyTemplatesPlugin(), leaveOutUnusedParts()],
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
  // Vite keeps the whitespace of ES library builds (so that consumers' bundlers can tree-shake);
  // this file is the end product a page downloads, so it gets a whole-file minify.
  const minified = await transform(readFileSync(file, 'utf8'), { minify: true, format: 'esm', target: 'es2022' });
  writeFileSync(file, minified.code);
  const gz = gzipSync(readFileSync(file)).length;
  console.log(`${file}: ${(statSync(file).size / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
}

if (!only || only === 'typed-page') {
  // `trainwatch/…` resolve through package.json's exports to dist/lib, as in a user's project
  // (not through test/typed-page/tsconfig.json's paths to the sources, which the type check uses).
  const { exports } = JSON.parse(readFileSync('package.json', 'utf8'));
  const fromPackage = {
    name: 'trainwatch-package-exports',
    setup(build) {
      build.onResolve({ filter: /^trainwatch(\/|$)/ }, ({ path }) => {
        const entry = exports[`.${path.slice('trainwatch'.length)}`];
        const file = typeof entry === 'string' ? entry : entry?.import;
        if (!file) return { errors: [{ text: `package.json exports no JavaScript for "${path}"` }] };
        return { path: resolve(file) };
      });
    },
  };
  await esbuild({
    entryPoints: { page: 'test/typed-page/page.ts', dashboard: 'test/typed-page/dashboard.tsx' },
    outdir: 'dist/typed-page',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [fromPackage],
    logLevel: 'warning',
  });
}
