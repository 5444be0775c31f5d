// A kubeconfig context for an EKS cluster, written as `aws eks update-kubeconfig` writes it
// (awscli/customizations/eks/update_kubeconfig.py and kubeconfig.py): the cluster, user and context entries named
// by the cluster's ARN replace entries of that name and every other entry is kept; the context becomes current;
// $KUBECONFIG's first file, or the one that already has the cluster, else ~/.kube/config; mode 0600.
// The user's exec runs `aws eks get-token` with no profile and no role: the token is made from whatever identity
// the terminal has, which in a VS Code terminal is the active role through the extension's credential endpoint,
// so `kubectl` follows every switch. A role can be pinned instead (`--role-arn`, as update-kubeconfig's
// --assume-role-arn). Nothing secret is ever in the file. Loaded lazily (dist/kubeconfig.js): it carries a YAML
// parser that activation must not pay for.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CORE_SCHEMA, dump, load } from 'js-yaml';
import type { EksCluster } from './clusters';
import { UserError } from '../userError';

/** The exec credential API `aws eks update-kubeconfig` writes (update_kubeconfig.py, API_VERSION). */
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';

export interface KubeconfigEntry {
  cluster: EksCluster;
  /** A role the token is always made for (`aws eks get-token --role-arn`); undefined to follow the terminal. */
  pinnedRoleArn?: string;
  /** The context's (and its user's) name; the cluster's ARN when undefined, as the CLI names both. */
  alias?: string;
}

type Named = { name?: unknown } & Record<string, unknown>;
type Kubeconfig = Record<string, unknown>;

/** The files $KUBECONFIG lists (path-list separated), or ~/.kube/config. */
export function kubeconfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.trim() !== '');
  const home = env.HOME || os.homedir();
  const expand = (p: string) => path.resolve(p.startsWith('~/') ? path.join(home, p.slice(2)) : p);
  return listed.length > 0 ? listed.map(expand) : [path.join(home, '.kube', 'config')];
}

/** The `aws` arguments of the user's exec entry. */
export function getTokenArgs(entry: KubeconfigEntry): string[] {
  const args = ['--region', entry.cluster.region, 'eks', 'get-token', '--cluster-name', entry.cluster.name, '--output', 'json'];
  return entry.pinnedRoleArn ? [...args, '--role-arn', entry.pinnedRoleArn] : args;
}

/**
 * Writes the cluster's context into the kubeconfig `update-kubeconfig` would choose, and returns that file and the
 * context's name, and whether it replaced an entry of the same name.
 */
export async function writeKubeconfig(
  entry: KubeconfigEntry,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ file: string; context: string; updated: boolean }> {
  const { file, config, text } = await chooseKubeconfig(entry.cluster.arn, kubeconfigPaths(env));
  const updated = hasEntry(config, 'clusters', entry.cluster.arn);
  const context = entry.alias || entry.cluster.arn;
  insert(config, 'clusters', {
    cluster: { 'certificate-authority-data': entry.cluster.certificateAuthority, server: entry.cluster.endpoint },
    name: entry.cluster.arn,
  });
  // The user is named like its context: a pinned alias must not replace the entry the following context uses.
  insert(config, 'users', {
    name: context,
    user: { exec: { apiVersion: EXEC_API_VERSION, args: getTokenArgs(entry), command: 'aws' } },
  });
  insert(config, 'contexts', { context: { cluster: entry.cluster.arn, user: context }, name: context });
  config['current-context'] = context;
  await writeFile(file, text, dump(config, { schema: CORE_SCHEMA, noRefs: true, lineWidth: -1 }));
  return { file, context, updated };
}

/** As the CLI's KubeconfigSelector: the first file that already has the cluster, else the first file. */
async function chooseKubeconfig(clusterArn: string, paths: string[]): Promise<{ file: string } & ReadKubeconfig> {
  for (const file of paths.slice(1)) {
    const read = await readKubeconfig(file).catch(() => undefined); // the CLI passes over a broken file here
    if (read && hasEntry(read.config, 'clusters', clusterArn)) {
      return { file, ...read };
    }
  }
  return { file: paths[0], ...(await readKubeconfig(paths[0])) };
}

/** The parsed file and its text as read (undefined: no file), to tell whether it changed before the write. */
interface ReadKubeconfig {
  config: Kubeconfig;
  text: string | undefined;
}

async function readKubeconfig(file: string): Promise<ReadKubeconfig> {
  const text = await readText(file);
  return { config: text === undefined ? emptyKubeconfig() : parseKubeconfig(file, text), text };
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(
      `Could not read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check its permissions.`,
      'KubeconfigUnreadable',
    );
  }
}

function parseKubeconfig(file: string, text: string): Kubeconfig {
  let parsed: unknown;
  try {
    parsed = load(text, { schema: CORE_SCHEMA, filename: file });
  } catch {
    parsed = undefined; // below; the parser's message would quote the file, which may hold tokens
  }
  if (parsed === undefined || parsed === null) {
    if (text.trim() === '') return emptyKubeconfig();
  }
  if (!isKubeconfig(parsed)) {
    throw new UserError(
      `${file} is not a kubeconfig this can update (not YAML, or its clusters, users or contexts are not lists): fix or move it, then try again.`,
      'KubeconfigCorrupted',
    );
  }
  return parsed;
}

/** The CLI's KubeconfigValidator: a mapping whose lists are lists of mappings. */
function isKubeconfig(value: unknown): value is Kubeconfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const config = value as Kubeconfig;
  return ['clusters', 'users', 'contexts'].every((key) => {
    const list = config[key];
    return (
      list === undefined ||
      list === null ||
      (Array.isArray(list) && list.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e)))
    );
  });
}

function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: 'v1', clusters: [], contexts: [], 'current-context': '', kind: 'Config', preferences: {}, users: [] };
}

function hasEntry(config: Kubeconfig, key: string, name: string): boolean {
  return ((config[key] as Named[] | undefined) ?? []).some((e) => e.name === name);
}

/** The CLI's KubeconfigAppender.insert_entry: replace the entry of the same name, else append. */
function insert(config: Kubeconfig, key: string, entry: Named): void {
  const list = ((config[key] as Named[] | null | undefined) ?? []).slice();
  const at = list.findIndex((e) => e.name === entry.name);
  if (at >= 0) list[at] = entry;
  else list.push(entry);
  config[key] = list;
}

/**
 * Written whole under a temporary name and renamed, mode 0600: a reader never sees half a file. Refused when the
 * file changed since it was read (`aws eks update-kubeconfig` or an editor meanwhile), rather than losing that edit.
 */
async function writeFile(file: string, before: string | undefined, text: string): Promise<void> {
  if ((await readText(file)) !== before) {
    throw new UserError(`${file} changed while the context was being added: run the command again.`, 'KubeconfigChanged');
  }
  const target = await fs.realpath(file).catch(() => file); // a symlinked kubeconfig stays a symlink
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  // A random name created exclusively ('wx'): two writes never share a temporary file, and one of that name that
  // this call did not create is someone else's, never removed.
  const temporary = `${target}.iam-switchboard-${randomBytes(8).toString('hex')}.tmp`;
  let created = false;
  try {
    const handle = await fs.open(temporary, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    if (created) await fs.rm(temporary, { force: true });
    throw new UserError(
      `Could not write ${target} (${(error as NodeJS.ErrnoException).code ?? 'error'}): check its folder's permissions.`,
      'KubeconfigUnwritable',
    );
  }
}
