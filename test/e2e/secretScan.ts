// After the end-to-end run: no credential the servers issued, and no fixture secret, may be found in any file
// VS Code wrote (settings, state databases, logs, extension storage) or in the workspace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './codeServer';

export interface SecretFinding {
  file: string;
  /** The first characters only: the report must not leak what it found. */
  secretPrefix: string;
}

/** Secret keys and MFA seeds of the local world (test/servers/world.json) and the demo credentials file. */
export function fixtureSecrets(): string[] {
  const world: unknown = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'servers', 'world.json'), 'utf8'));
  const credentials = fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', 'aws', 'credentials'), 'utf8');
  const fromCredentials = [...credentials.matchAll(/^\s*aws_secret_access_key\s*=\s*(\S+)/gm)].map((m) => m[1]);
  return [...new Set([...valuesOf(world, ['secretAccessKey', 'totpSecret']), ...fromCredentials])];
}

function valuesOf(node: unknown, keys: string[]): string[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, keys));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    keys.includes(key) && typeof value === 'string' ? [value] : valuesOf(value, keys),
  );
}

export function scanForSecrets(dirs: string[], secrets: string[]): SecretFinding[] {
  // Short strings would match by accident; every real secret here is far longer.
  const needles = [...new Set(secrets)].filter((s) => s.length >= 12).map((s) => ({ s, bytes: Buffer.from(s) }));
  const findings: SecretFinding[] = [];
  for (const file of dirs.flatMap(filesUnder)) {
    const content = fs.readFileSync(file);
    for (const { s, bytes } of needles) {
      if (content.includes(bytes)) findings.push({ file, secretPrefix: `${s.slice(0, 4)}…` });
    }
  }
  return findings;
}

// Symbolic links are not followed: the demo links the project itself into the extensions folder.
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}
