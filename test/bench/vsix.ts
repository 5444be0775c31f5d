// The .vsix as `npm run package` makes it (vsce from devDependencies, offline), packed into a temporary folder.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './activation';

export function vsixSize(): { kb: number } | { error: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-vsix-'));
  try {
    const out = path.join(dir, 'bench.vsix');
    const vsce = path.join(ROOT, 'node_modules', '.bin', 'vsce');
    execFileSync(vsce, ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', out], { cwd: ROOT, stdio: 'ignore' });
    return { kb: fs.statSync(out).size / 1024 };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
