// Moving a profile's static key out of ~/.aws/credentials: the plan is pure text, made from the file as it is and
// shown (secrets masked) before anything is written. Only the key lines of the chosen profiles change: the
// aws_access_key_id line becomes a comment and a `credential_process` line that asks VS Code's keychain, the
// aws_secret_access_key line goes; comments, other keys, other profiles and the line ends stay as they were.
import { cliRejectedLines, LineScanner } from '../aws/iniLines';
import type { AccessKey } from './accessKey';
import { KEYCHAIN_PROFILE_ARGUMENT } from './keychainSocket';
import { UserError } from '../userError';

/** A profile of the credentials file whose own static key could move. */
export interface FileKey {
  profile: string;
  key: AccessKey;
}

export interface KeyMovePlan {
  before: string;
  /** The text to write: no secret of a moved profile in it. */
  after: string;
  /** The keys that leave the file, to be stored in the keychain before `after` is written. */
  moved: FileKey[];
  /** What will change, per profile: the lines removed (secrets masked) and the lines put in their place. */
  preview: string;
}

const ACCESS_KEY_ID = 'aws_access_key_id';
const SECRET_ACCESS_KEY = 'aws_secret_access_key';
/** Above the credential_process line: where the key went, without the key. */
export const KEYCHAIN_COMMENT =
  "# This profile's access key is in VS Code's keychain (IAM Switchboard), read while a VS Code window is open.";
/** What the preview shows for a secret. */
const MASK = '********';
/** A key with a session token is a temporary one, and one beside a credential_process is not the only source. */
const NOT_LONG_LIVED = new Set(['aws_session_token', 'credential_process']);
/** An access key id as IAM makes it: AKIA and upper-case letters and digits (ASIA ones are temporary). */
const LONG_LIVED_KEY_ID = /^AKIA[A-Z0-9]{12,124}$/;

interface KeyLine {
  /** Offsets of the raw line, its line end included. */
  start: number;
  end: number;
  /** The key as written, lower-cased. */
  name: string;
  value: string;
}

interface Section {
  name: string;
  lines: KeyLine[];
}

/** The sections of a credentials file with their key lines, as the SDK reads them (comments cut off). */
function sectionsOf(text: string): Section[] {
  const sections: Section[] = [];
  const lines = new LineScanner(text);
  let current: Section | undefined;
  while (lines.next()) {
    const { start, end, lineStart } = lines;
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    if (start === end) continue;
    if (lines.isSection()) {
      current = { name: text.substring(start + 1, end - 1).trim(), lines: [] };
      sections.push(current);
      continue;
    }
    const eq = lines.equalsSign();
    if (!current || eq <= start) continue;
    const name = text.substring(start, eq).trim().toLowerCase();
    current.lines.push({ start: lineStart, end: lineEnd, name, value: text.substring(eq + 1, end).trim() });
  }
  return sections;
}

/**
 * The profiles of the file whose long-lived key could move: both key lines once each, an AKIA key id, and no
 * session token or credential_process beside them.
 */
export function fileKeys(text: string): FileKey[] {
  return sectionsOf(text).flatMap((section): FileKey[] => {
    const id = section.lines.filter((l) => l.name === ACCESS_KEY_ID);
    const secret = section.lines.filter((l) => l.name === SECRET_ACCESS_KEY);
    if (id.length !== 1 || secret.length !== 1 || section.lines.some((l) => NOT_LONG_LIVED.has(l.name))) return [];
    if (!LONG_LIVED_KEY_ID.test(id[0].value) || secret[0].value === '') return [];
    return [{ profile: section.name, key: { accessKeyId: id[0].value, secretAccessKey: secret[0].value } }];
  });
}

/**
 * The file with the key lines of `profiles` replaced by `processLine(profile)` (a credential_process command line);
 * a UserError, and nothing planned, when the AWS CLI would refuse the file or a profile has no key that can move.
 */
export function planKeyMove(
  text: string,
  profiles: string[],
  processLine: (profile: string) => string,
  label = '~/.aws/credentials',
): KeyMovePlan {
  if (cliRejectedLines(text).length > 0) {
    throw new UserError(
      `${label} has a line the AWS CLI cannot read (it says "Unable to parse config file"): fix the file first, then move the keys.`,
      'BrokenCredentialsFile',
    );
  }
  const movable = new Map(fileKeys(text).map((k) => [k.profile, k]));
  const missing = profiles.find((profile) => !movable.has(profile));
  if (missing !== undefined) {
    throw new UserError(
      `Profile '${missing}' has no long-lived access key of its own in ${label} (or also a session token or credential_process): nothing of it was moved.`,
      'NoKeyToMove',
    );
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits: { start: number; end: number; text: string }[] = [];
  const preview: string[] = [];
  for (const section of sectionsOf(text).filter((s) => profiles.includes(s.name))) {
    preview.push(`[${section.name}]`);
    for (const line of section.lines) {
      if (line.name === ACCESS_KEY_ID) {
        const ending = text.endsWith('\n', line.end) ? eol : '';
        const added = [KEYCHAIN_COMMENT, `credential_process = ${processLine(section.name)}`];
        edits.push({ start: line.start, end: line.end, text: added.join(eol) + ending });
        preview.push(`- ${ACCESS_KEY_ID} = ${line.value}`, ...added.map((l) => `+ ${l}`));
      } else if (line.name === SECRET_ACCESS_KEY) {
        edits.push({ start: line.start, end: line.end, text: '' });
        preview.push(`- ${SECRET_ACCESS_KEY} = ${MASK}`);
      }
    }
  }
  edits.sort((a, b) => b.start - a.start);
  let after = text;
  for (const edit of edits) after = after.slice(0, edit.start) + edit.text + after.slice(edit.end);
  const moved = profiles.map((profile) => movable.get(profile)!);
  return { before: text, after, moved, preview: preview.join('\n') };
}

/** The profiles of the file whose credential_process line asks the keychain (written by planKeyMove). */
export function keychainProfiles(text: string): string[] {
  return sectionsOf(text)
    .filter((s) => s.lines.some(isKeychainLine))
    .map((s) => s.name);
}

const isKeychainLine = (line: KeyLine) => line.name === 'credential_process' && line.value.includes(` ${KEYCHAIN_PROFILE_ARGUMENT} `);

/**
 * The way back, when the person asks for it: the keychain's credential_process line (and the comment above it)
 * replaced by the key lines, in plain text again.
 */
export function planKeyReturn(text: string, keys: FileKey[], label = '~/.aws/credentials'): KeyMovePlan {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits: { start: number; end: number; text: string }[] = [];
  const preview: string[] = [];
  const sections = sectionsOf(text);
  for (const { profile, key } of keys) {
    const line = sections.find((s) => s.name === profile)?.lines.find(isKeychainLine);
    if (!line) {
      throw new UserError(
        `Profile '${profile}' in ${label} does not read its key from the keychain: nothing was changed.`,
        'NotInKeychain',
      );
    }
    const ending = text.endsWith('\n', line.end) ? eol : '';
    const commentStart = text.lastIndexOf(KEYCHAIN_COMMENT, line.start);
    const start = commentStart !== -1 && text.slice(commentStart, line.start).trim() === KEYCHAIN_COMMENT ? commentStart : line.start;
    const added = [`${ACCESS_KEY_ID} = ${key.accessKeyId}`, `${SECRET_ACCESS_KEY} = ${key.secretAccessKey}`];
    edits.push({ start, end: line.end, text: added.join(eol) + ending });
    preview.push(
      `[${profile}]`,
      ...(start === line.start ? [] : [`- ${KEYCHAIN_COMMENT}`]),
      `- credential_process = ${line.value}`,
      `+ ${added[0]}`,
      `+ ${SECRET_ACCESS_KEY} = ${MASK}`,
    );
  }
  edits.sort((a, b) => b.start - a.start);
  let after = text;
  for (const edit of edits) after = after.slice(0, edit.start) + edit.text + after.slice(edit.end);
  return { before: text, after, moved: keys, preview: preview.join('\n') };
}
