// A `[iam-switchboard]` section in the person's shared credentials file beats the generated profile's
// credential_process in the AWS CLI, boto3 and the SDKs (they read the credentials file first), so every
// endpoint-mode terminal would be those keys while the status bar shows the role. `aws configure` typed in such
// a terminal writes exactly that (AWS_PROFILE is the generated profile). The file cannot be redirected without
// hiding the person's other profiles or copying their keys, so it is watched: the section is noticed at once,
// and moving it to a profile name of the person's choosing undoes it without losing the keys.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TERMINAL_PROFILE } from './terminalProfile';
import { UserError } from '../userError';

const isHeader = (line: string) => /^\s*\[.*\]\s*$/.test(line);
const sectionName = (line: string) => line.trim().slice(1, -1).trim();

/** True when the credentials file's text has a section the generated profile would lose to. */
export function hasGeneratedProfile(text: string): boolean {
  return text.split(/\r?\n/).some((line) => isHeader(line) && sectionName(line) === TERMINAL_PROFILE);
}

/** The text with the generated profile's section(s) renamed to `to` (a profile name the text does not have yet). */
export function renameGeneratedProfile(text: string, to: string): string {
  if (!/^[\w.@+-]+$/.test(to) || to === TERMINAL_PROFILE) {
    throw new UserError(`'${to}' cannot be a profile name: use letters, digits, '-', '_' or '.'.`, 'InvalidProfileName');
  }
  const lines = text.split(/(?<=\n)/);
  if (lines.some((line) => isHeader(line) && sectionName(line) === to)) {
    throw new UserError(`The credentials file already has a profile '${to}': choose another name.`, 'ProfileExists');
  }
  return lines
    .map((line) => (isHeader(line) && sectionName(line) === TERMINAL_PROFILE ? line.replace(TERMINAL_PROFILE, to) : line))
    .join('');
}

/** Renames the section in the file itself (kept in place: same mode, same owner). */
export async function moveGeneratedProfile(file: string, to: string): Promise<void> {
  const text = await fs.promises.readFile(file, 'utf8');
  await fs.promises.writeFile(file, renameGeneratedProfile(text, to));
}

/**
 * Watches the credentials file's folder (the CLI creates ~/.aws/credentials if missing; editors replace files)
 * and calls `onFound` when the generated profile's section appears: at once when the file has one already, and
 * after any change that adds one after it was gone. One write raises several events; it is reported once.
 */
/** How long the credentials file's events must be quiet before it is read. */
const SETTLE_MS = 150;

export class CredentialsFileGuard {
  private watcher: fs.FSWatcher | undefined;
  private stopped = false;
  private present = false;
  private checking = Promise.resolve();
  private settle: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly onFound: () => void,
  ) {}

  start(): void {
    const folder = path.dirname(this.file);
    try {
      this.watcher = fs.watch(folder, (_event, name) => {
        if (!name || name.toString() === path.basename(this.file)) this.checkWhenSettled();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No folder yet: the CLI would create it, and the next window start watches it.
    }
    this.check();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * A writer such as `aws configure set` truncates the file and writes it again: read it once its events have been
   * quiet for a moment, or the empty file between two writes makes one section look like two arrivals.
   */
  private checkWhenSettled(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.check(), SETTLE_MS);
  }

  /** Checks run one at a time, in the order of the events. */
  private check(): void {
    this.checking = this.checking.then(async () => {
      const text = await fs.promises.readFile(this.file, 'utf8').catch(() => '');
      const present = hasGeneratedProfile(text);
      if (present && !this.present && !this.stopped) this.onFound();
      this.present = present;
    });
  }
}
