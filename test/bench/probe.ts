// Run in a fresh Node process by the bench (module loading happens once per process, so each sample needs its own):
//   probe activation         → activates dist/extension.js with a stub vscode; what it loaded and the heap after
// (dist/ is BENCH_DIST when set: another build's bundles, e.g. main's, measured in the same run as a baseline.)
//   probe bundle <file>      → the time to load one lazy bundle from dist/ the first time
//   probe profiles <n>       → activation, then ~/.aws/config + catalog with n profiles held; the heap after
// Prints one JSON line.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { activate, DIST, loadedDistFiles } from './activation';
import { timeOnce } from './stats';

/** A real import(): tsc turns `import()` into require() in CommonJS output, which cannot load an ES module. */
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

function heapMb(): number {
  (global as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<unknown> {
  const [mode, arg] = process.argv.slice(2);
  if (mode === 'activation') {
    const ms = await timeOnce(() => activate());
    return { ms, loaded: loadedDistFiles(), heapMb: heapMb() };
  }
  if (mode === 'bundle') {
    // The AWS SDK's parts are ES modules: import() them, as the extension does, and report every file that loaded.
    const file = path.join(DIST, arg);
    const ms = await timeOnce(() => (file.endsWith('.mjs') ? importEsm(pathToFileURL(file).href) : require(file)));
    return { ms, loaded: loadedDistFiles() };
  }
  if (mode === 'profiles') {
    await activate();
    const { loadAndBuild, writeLargeConfig } = await import('./configScale'); // after activation: not counted in it
    const before = heapMb();
    const { dir, files } = writeLargeConfig(Number(arg));
    const held = await loadAndBuild(files);
    const after = heapMb();
    dir.remove();
    return { heapMb: after, deltaMb: after - before, roles: held.roles.length };
  }
  throw new Error(`unknown probe mode ${mode}`);
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
