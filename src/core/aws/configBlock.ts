// Discovered roles as profiles in ~/.aws/config, inside one marked block that this extension owns: re-running
// replaces (and so prunes) the block and never changes a byte outside it. Only profile names, role ARNs,
// source_profile and mfa_serial go in, never a secret, and each is checked before it is (a value from a policy
// document with a newline in it would otherwise write sections of its own). The plan is pure text (shown as a diff
// first); writing keeps the file's mode, and a new file is 0600.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tryParseRoleArn } from './arn';
import { UserError } from '../userError';

export const BLOCK_START = '# >>> IAM Switchboard discovered roles (managed block: edits inside are replaced) >>>';
export const BLOCK_END = '# <<< IAM Switchboard discovered roles <<<';

interface BlockProfile {
  name: string;
  roleArn: string;
  sourceProfile: string;
  mfaSerial?: string;
}

/** A role to write; `name` is a suggestion (sanitized and made unique). */
type ProfileRequest = Omit<BlockProfile, 'name'> & { name?: string };

export interface BlockPlan {
  /** The file's text before (undefined: no file yet) and after. */
  before: string | undefined;
  after: string;
  changed: boolean;
  /** The block's profiles after the change, in order. */
  profiles: BlockProfile[];
  /** Wanted roles left out because a profile outside the block already has them (any source): role ARN → that profile. */
  skipped: { roleArn: string; profile: string }[];
  added: string[];
  removed: string[];
  /** A unified diff of before → after, to show before writing. Empty when nothing changes. */
  diff: string;
}

interface PlanOptions {
  /** Profile names that exist elsewhere (e.g. sections of ~/.aws/credentials); the config file's own are read from it. */
  reservedNames?: Iterable<string>;
  /**
   * Profiles the config already has (e.g. loadAwsConfig's): a wanted role that one outside the block already
   * offers, from whatever source, is skipped rather than written twice.
   */
  existingProfiles?: Iterable<{ name: string; roleArn?: string; sourceProfile?: string }>;
  /** Account id → alias, for names such as `prod-readonly`. */
  accountAliases?: Map<string, string>;
  /** How the diff names the file. */
  label?: string;
}

interface Located {
  /** Character offsets of the block: from its first marker to the end of the line of the last. */
  start: number;
  end: number;
}

/** Finds the block, or throws when the markers are broken (so we never guess where our part ends). */
function locate(text: string): Located | undefined {
  const starts = markerOffsets(text, BLOCK_START);
  const ends = markerOffsets(text, BLOCK_END);
  if (starts.length === 0 && ends.length === 0) return undefined;
  if (starts.length !== 1 || ends.length !== 1 || ends[0] < starts[0]) {
    throw new UserError(
      `The IAM Switchboard block in ~/.aws/config is broken (its '# >>>' and '# <<<' marker lines must appear once each, in that order): fix or remove them by hand, then try again.`,
      'BrokenManagedBlock',
    );
  }
  const newline = text.indexOf('\n', ends[0]);
  return { start: starts[0], end: newline < 0 ? text.length : newline + 1 };
}

/** Offsets of lines that are exactly `marker` (a CR before the newline allowed). */
function markerOffsets(text: string, marker: string): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    if (line.replace(/\r$/, '') === marker) offsets.push(offset);
    offset += line.length + 1;
  }
  return offsets;
}

/** The profiles in the block of `text` (empty when there is none). */
export function readBlock(text: string): BlockProfile[] {
  const located = locate(text);
  if (!located) return [];
  const profiles: BlockProfile[] = [];
  let current: Partial<BlockProfile> | undefined;
  const flush = () => {
    if (current?.name && current.roleArn && current.sourceProfile) profiles.push(current as BlockProfile);
  };
  for (const raw of text.slice(located.start, located.end).split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[profile\s+([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      flush();
      current = { name: section[1] };
      continue;
    }
    const pair = /^(role_arn|source_profile|mfa_serial)\s*=\s*(.*)$/.exec(line);
    if (pair && current) {
      const key = ({ role_arn: 'roleArn', source_profile: 'sourceProfile', mfa_serial: 'mfaSerial' } as const)[pair[1] as 'role_arn'];
      current[key] = pair[2].trim();
    }
  }
  flush();
  return profiles;
}

/** Profile names defined in `text` ([default] and [profile x] sections). */
function profileNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^[ \t]*\[[ \t]*(?:profile[ \t]+)?([^\]\r\n]+?)[ \t]*\][ \t]*\r?$/gm)) {
    if (!/^(sso-session|services)\s/.test(match[1])) names.add(match[1].replace(/^["']|["']$/g, ''));
  }
  return names;
}

/** A profile name the CLI and the SDK read back unchanged: letters, digits, `.`, `_`, `-`. */
function sanitizeProfileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return cleaned === '' || cleaned === 'default' ? `role-${cleaned || 'profile'}` : cleaned;
}

/** `prod-readonly` when the account has an alias, else `333333333333-readonly`: lower case, as profiles usually are. */
function defaultProfileName(roleArn: string, accountAliases?: Map<string, string>): string {
  const parsed = tryParseRoleArn(roleArn);
  if (!parsed) return sanitizeProfileName(roleArn.toLowerCase());
  return sanitizeProfileName(`${accountAliases?.get(parsed.accountId) ?? parsed.accountId}-${parsed.name}`.toLowerCase());
}

/** Profile names as the CLI and SDKs read them back from a section header or a value: no space, bracket or `#`. */
const PROFILE_NAME = /^[\w.@+=,-]{1,128}$/;
/** An MFA device's ARN or a hardware token's serial number (STS SerialNumber: 9-256 of [\w+=/:,.@-]). */
const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

/** Throws a UserError naming the value when a request holds anything but a role ARN and plain names. */
function checkRequest(request: ProfileRequest): void {
  const refuse = (what: string, value: string, rule: string) => {
    throw new UserError(`Not written to ~/.aws/config: the ${what} ${JSON.stringify(value).slice(0, 120)} ${rule}.`, 'InvalidProfileValue');
  };
  if (tryParseRoleArn(request.roleArn)?.arn !== request.roleArn) {
    refuse('role ARN', request.roleArn, 'is not a role ARN (arn:aws:iam::<12-digit account>:role/<name>)');
  }
  if (!PROFILE_NAME.test(request.sourceProfile)) {
    refuse('source profile', request.sourceProfile, 'has characters other than letters, digits and . _ - @ + = ,');
  }
  if (request.mfaSerial !== undefined && !MFA_SERIAL.test(request.mfaSerial)) {
    refuse('MFA serial', request.mfaSerial, 'is not an MFA device ARN or serial number');
  }
}

/**
 * The new text with the block holding exactly `wanted` (none: the block is removed). A role already in the block
 * for the same source keeps its name; other names are unique against every profile outside the block.
 */
export function planBlock(before: string | undefined, wanted: ProfileRequest[], options: PlanOptions = {}): BlockPlan {
  wanted.forEach(checkRequest);
  const text = before ?? '';
  const located = locate(text);
  const outside = located ? text.slice(0, located.start) + text.slice(located.end) : text;
  const old = readBlock(text);
  const inBlock = new Set(old.map((p) => p.name));
  const elsewhere = [...(options.existingProfiles ?? [])].filter((p) => !inBlock.has(p.name));
  // Names differing only in case would read as the same profile to a person: treat them as taken.
  const taken = new Set(
    [...profileNames(outside), ...(options.reservedNames ?? []), ...elsewhere.map((p) => p.name)].map((n) => n.toLowerCase()),
  );
  const profiles: BlockProfile[] = [];
  const skipped: BlockPlan['skipped'] = [];
  for (const request of wanted) {
    if (profiles.some((p) => p.roleArn === request.roleArn && p.sourceProfile === request.sourceProfile)) continue;
    // Whatever its name and source: a second profile for a role the config already reaches (prod-auditor by
    // chaining, say) would be a copy, and one its new source may well be refused.
    const existing = elsewhere.find((p) => p.roleArn === request.roleArn);
    if (existing) {
      if (!skipped.some((s) => s.roleArn === request.roleArn)) skipped.push({ roleArn: request.roleArn, profile: existing.name });
      continue;
    }
    const kept = old.find((p) => p.roleArn === request.roleArn && p.sourceProfile === request.sourceProfile)?.name;
    // A name kept from the block is read from the file, where a hand edit may have put anything: sanitized too.
    const base = sanitizeProfileName(request.name ?? kept ?? defaultProfileName(request.roleArn, options.accountAliases));
    const name = unique(base, taken);
    taken.add(name.toLowerCase());
    profiles.push({ name, roleArn: request.roleArn, sourceProfile: request.sourceProfile, mfaSerial: request.mfaSerial });
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = profiles.length === 0 ? '' : renderBlock(profiles, eol);
  let after: string;
  if (located) {
    after = text.slice(0, located.start) + block + text.slice(located.end);
  } else if (block === '') {
    after = text;
  } else {
    // Appended: the only byte added outside the block is the newline a last line without one needs.
    after = text + (text === '' || text.endsWith('\n') ? '' : eol) + block;
  }
  const oldNames = new Set(old.map((p) => p.name));
  const newNames = new Set(profiles.map((p) => p.name));
  return {
    before,
    after,
    changed: after !== text || (before === undefined && after !== ''),
    profiles,
    skipped,
    added: profiles.filter((p) => !oldNames.has(p.name)).map((p) => p.name),
    removed: old.filter((p) => !newNames.has(p.name)).map((p) => p.name),
    diff: unifiedDiff(before, after, options.label ?? '~/.aws/config'),
  };
}

/** `base`, else `base-2`, `base-3`, …: the first not in `taken` (which holds lower-case names). */
function unique(base: string, taken: Set<string>): string {
  if (!taken.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) {
    if (!taken.has(`${base}-${i}`.toLowerCase())) return `${base}-${i}`;
  }
}

function renderBlock(profiles: BlockProfile[], eol: string): string {
  const sections = profiles.map((p) =>
    [
      `[profile ${p.name}]`,
      `role_arn = ${p.roleArn}`,
      `source_profile = ${p.sourceProfile}`,
      ...(p.mfaSerial ? [`mfa_serial = ${p.mfaSerial}`] : []),
    ].join(eol),
  );
  return [BLOCK_START, sections.join(eol + eol), BLOCK_END].join(eol) + eol;
}

/** Lines with their line ends, so a missing final newline shows in the diff. */
const linesOf = (text: string): string[] => (text === '' ? [] : text.split(/(?<=\n)/));

/** One-hunk unified diff: the block is one contiguous change, so one hunk with three lines of context covers it. */
function unifiedDiff(before: string | undefined, after: string, label: string): string {
  const a = linesOf(before ?? '');
  const b = linesOf(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  if (prefix === a.length && prefix === b.length) return '';
  const context = 3;
  const from = Math.max(0, prefix - context);
  const aEnd = Math.min(a.length, a.length - suffix + context);
  const bEnd = Math.min(b.length, b.length - suffix + context);
  const show = (sign: string, line: string) =>
    sign + line.replace(/\r?\n$/, '') + (line.endsWith('\n') ? '' : '\n\\ No newline at end of file');
  const range = (start: number, count: number) => `${count === 0 ? start : start + 1},${count}`;
  const lines = [
    `--- ${before === undefined ? '/dev/null' : `a/${label}`}`,
    `+++ b/${label}`,
    `@@ -${range(from, aEnd - from)} +${range(from, bEnd - from)} @@`,
    ...a.slice(from, prefix).map((l) => show(' ', l)),
    ...a.slice(prefix, a.length - suffix).map((l) => show('-', l)),
    ...b.slice(prefix, b.length - suffix).map((l) => show('+', l)),
    ...a.slice(a.length - suffix, aEnd).map((l) => show(' ', l)),
  ];
  return lines.join('\n') + '\n';
}

/** The config file's text, or undefined when it does not exist. */
export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(
      `Could not read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}. Check its permissions.`,
      'UnreadableConfig',
    );
  }
}

/**
 * Writes a plan's text, if the file still holds what the plan was made from (else the diff shown is stale).
 */
export async function writeConfigBlock(file: string, plan: BlockPlan): Promise<void> {
  if (!plan.changed) return;
  await replaceFileText(
    file,
    plan.before,
    plan.after,
    `${file} changed after the diff was made: look at the roles again and write them then.`,
  );
}

/**
 * Replaces the text of `file`, if it still holds `before` (undefined: no file), else throws `staleMessage`. A
 * temporary file beside it is renamed over it, so a crash never leaves half a file; it gets the old file's mode,
 * or 0600 for a new file in a 0700 directory.
 */
export async function replaceFileText(file: string, before: string | undefined, after: string, staleMessage: string): Promise<void> {
  const current = await readConfigText(file);
  if (current !== before) {
    throw new UserError(staleMessage, 'ConfigChanged');
  }
  const target = current === undefined ? file : await fs.realpath(file);
  const mode = current === undefined ? 0o600 : (await fs.stat(target)).mode & 0o777;
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  // A random name created exclusively ('wx'): two writes in one millisecond never share a temporary file.
  const temporary = `${target}.iam-switchboard-${randomBytes(8).toString('hex')}.tmp`;
  let created = false;
  try {
    const handle = await fs.open(temporary, 'wx', mode);
    created = true;
    try {
      await handle.writeFile(after);
    } finally {
      await handle.close();
    }
    await fs.chmod(temporary, mode);
    await fs.rename(temporary, target);
  } catch (error) {
    // Only our own: a file of that name we did not create is someone else's.
    if (created) await fs.rm(temporary, { force: true });
    throw new UserError(
      `Could not write ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}. Check the permissions of the file and its folder.`,
      'UnwritableConfig',
    );
  }
}
