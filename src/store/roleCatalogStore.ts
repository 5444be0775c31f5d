// The role catalog as the window sees it: ~/.aws/config + credentials + settings, loaded on first use, kept
// until a watched file or a setting changes. The tree and the switcher both read it from here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type AwsConfig, awsConfigFiles, type AwsConfigFiles, loadAwsConfig } from '../core/aws/config';
import { buildCatalog, type Catalog, type CatalogInput } from '../core/catalog/roleCatalog';
import { onDidChangeSettings, readSettings, type Settings } from '../configuration/settings';

interface LoadedCatalog {
  config: AwsConfig;
  catalog: Catalog;
}

const RELOAD_DELAY_MS = 150;

/** Roles found elsewhere (IAM Identity Center's cached directories), merged into the catalog. */
interface ExtraRoles {
  catalogInput(config: AwsConfig): Pick<CatalogInput, 'identityCenterRoles' | 'identityCenterAccounts'>;
  onDidChangeDirectories: vscode.Event<void>;
}

export class RoleCatalogStore implements vscode.Disposable {
  readonly files: AwsConfigFiles = awsConfigFiles();
  private loading: Promise<LoadedCatalog> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private reloadTimer: NodeJS.Timeout | undefined;
  /** Retried by `watch` while none is active (no ~/.aws folder yet). */
  private watches: FolderWatch[] = [];

  private extra: ExtraRoles | undefined;

  constructor(
    private readonly settings: () => Settings = readSettings,
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.disposables.push(onDidChangeSettings(() => this.invalidate()));
  }

  /** Set once at activation (the Identity Center store reads this catalog's config, so it comes after). */
  addRoles(extra: ExtraRoles): void {
    this.extra = extra;
    this.disposables.push(extra.onDidChangeDirectories(() => this.invalidate()));
  }

  get(): Promise<LoadedCatalog> {
    if (!this.loading) {
      // Whoever reads the files first starts the watch, not only the tree: a person who switches from the status bar
      // and never opens the view edits ~/.aws/credentials too, and the next switch must not use the old key.
      this.watch();
      const loading = this.load();
      // A failed load is not kept: the next `get` reads again (unless an invalidate already replaced it).
      loading.catch(() => this.loading === loading && (this.loading = undefined));
      this.loading = loading;
    }
    return this.loading;
  }

  /** Drops what was loaded; the next `get` reads the files again. */
  invalidate(): void {
    this.loading = undefined;
    this.changed.fire();
  }

  /**
   * Watches the folders of the two files (editors often replace a file instead of writing it, which a watch on
   * the file itself would miss). Started by the first read of the files, so activation does no I/O.
   */
  watch(): void {
    if (this.watches.some((w) => w.active)) {
      return;
    }
    this.watches.forEach((w) => w.dispose());
    this.watches = [];
    const byFolder = new Map<string, Set<string>>();
    for (const file of [this.files.configPath, this.files.credentialsPath]) {
      const folder = path.dirname(file);
      byFolder.set(folder, (byFolder.get(folder) ?? new Set()).add(path.basename(file)));
    }
    for (const [folder, names] of byFolder) {
      this.watches.push(new FolderWatch(folder, names, () => this.scheduleReload(), this.log));
    }
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    this.watches.forEach((w) => w.dispose());
    this.disposables.forEach((d) => d.dispose());
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.invalidate(), RELOAD_DELAY_MS);
  }

  private async load(): Promise<LoadedCatalog> {
    const started = Date.now();
    const settings = this.settings();
    const config = await loadAwsConfig(this.files);
    const catalog = buildCatalog({
      profiles: config.profiles,
      accounts: settings.accounts,
      terraformRoleArns: settings.terraformRoleArns,
      ...this.extra?.catalogInput(config),
    });
    this.log?.info(
      `Loaded ${config.profiles.size} profiles, ${catalog.roles.length} roles in ${Date.now() - started} ms from ${this.files.configPath}`,
    );
    // For the walkthrough's first step and the welcome view.
    void vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasRoles', catalog.roles.length > 0);
    return { config, catalog };
  }
}

class FolderWatch implements vscode.Disposable {
  private watcher: fs.FSWatcher | undefined;
  /** Watching the parent for the folder to appear: `watch` replaces this with the folder's own watch after the reload. */
  private waiting = false;

  get active(): boolean {
    return this.watcher !== undefined && !this.waiting;
  }

  constructor(folder: string, names: Set<string>, onChange: () => void, log?: vscode.LogOutputChannel) {
    this.watcher = watchNames(folder, names, onChange);
    if (!this.watcher) {
      // No ~/.aws folder yet (a newcomer before `aws configure`): its parent says when it appears.
      this.waiting = true;
      this.watcher = watchNames(path.dirname(folder), new Set([path.basename(folder)]), onChange);
      if (!this.watcher) log?.info(`Not watching ${folder}: neither it nor its parent folder exists.`);
    }
    this.watcher?.on('error', () => this.dispose());
  }

  dispose(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** A watch of `folder` calling `onChange` when one of `names` in it changes; undefined when the folder does not exist. */
function watchNames(folder: string, names: Set<string>, onChange: () => void): fs.FSWatcher | undefined {
  try {
    return fs.watch(folder, (_event, file) => {
      if (!file || names.has(file.toString())) {
        onChange();
      }
    });
  } catch {
    return undefined;
  }
}
