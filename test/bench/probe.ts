// Run in a fresh Node process by the bench (module loading happens once per process, so each sample needs its own):
//   probe activation         → activates dist/extension.js with a stub vscode; what it loaded and the heap after
// (dist/ is BENCH_DIST when set: another build's bundles, e.g. main's, measured in the same run as a baseline.)
//   probe bundle <file>      → the time to load one lazy bundle from dist/ the first time
//   probe feature <name>     → activation, then (once its background work has finished) the time to load a feature
//                              activation leaves for its first use (dist/extension/<name>-<hash>.mjs and the shared
//                              chunks it imports that are not loaded)
//   probe profiles <n>       → activation, then ~/.aws/config + catalog with n profiles held; the heap after
// Prints one JSON line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { activate, DIST, importEsm, loadedDistFiles, warmLikeTheExtensionHost } from './activation';
import { timeOnce } from './stats';

/** The process's CPU time (all threads) since `since`, in ms. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

function heapMb(): number {
  (global as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Resolves once no file read or DNS lookup has been pending for three consecutive turns of the event loop. */
async function backgroundSettled(): Promise<void> {
  const busy = () => process.getActiveResourcesInfo().some((kind) => /^FSReq|^GetAddrInfo|^FileHandle/.test(kind));
  for (let quiet = 0; quiet < 3;) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    quiet = busy() ? 0 : quiet + 1;
  }
}

async function main(): Promise<unknown> {
  const [mode, arg] = process.argv.slice(2);
  if (mode === 'activation') {
    await warmLikeTheExtensionHost();
    // CPU time too: on a loaded machine the wall time mostly measures waiting for a core.
    const cpu = process.cpuUsage();
    const ms = await timeOnce(() => activate());
    return { ms, cpuMs: cpuMs(cpu), loaded: loadedDistFiles(), heapMb: heapMb() };
  }
  if (mode === 'bundle') {
    // The AWS SDK's parts are ES modules: import() them, as the extension does, and report every file that loaded.
    const file = path.join(DIST, arg);
    const ms = await timeOnce(() => (file.endsWith('.mjs') ? importEsm(pathToFileURL(file).href) : require(file)));
    return { ms, loaded: loadedDistFiles() };
  }
  if (mode === 'feature') {
    await activate();
    // With the stub, every setting is set, so activation starts background work (the workspace role reads
    // ~/.aws/config through dist/iniLoader.js, the endpoint starts): ~20 ms that would otherwise be timed as the
    // feature's load. Timed once that has finished: no file read pending for a few turns of the event loop.
    await backgroundSettled();
    const before = new Set(loadedDistFiles());
    const dir = path.join(DIST, 'extension');
    const file = fs.readdirSync(dir).find((f) => f.startsWith(`${arg}-`) && f.endsWith('.mjs'));
    if (!file) throw new Error(`no feature ${arg} in ${dir}`);
    const cpu = process.cpuUsage();
    const ms = await timeOnce(() => importEsm(pathToFileURL(path.join(dir, file)).href));
    const cpuTime = cpuMs(cpu);
    // Only the extension's modules: what activation started in the background (the role tree reading the config
    // through dist/iniLoader.js, with the stub) may land meanwhile.
    const own = path.join(path.basename(DIST), 'extension') + path.sep;
    return { ms, cpuMs: cpuTime, loaded: loadedDistFiles().filter((f) => !before.has(f) && f.startsWith(own)) };
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
