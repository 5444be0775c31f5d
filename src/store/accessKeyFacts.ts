// The central users' key ages and last use, per profile, looked up when a person hovers a source row in the AWS
// Roles view (never at activation) and kept until the catalog reloads (Refresh, a changed file) or the key rotates.
import * as vscode from 'vscode';
import type { KeyHolder } from '../core/keys/accessKey';
import { isTooOld, keyFactsLines, readKeyFacts, type KeyFacts, ageInDays } from '../core/keys/keyAge';
import { profileKey } from '../core/keys/profileKey';
import { errorText, UserError } from '../core/userError';
import type { Settings } from '../configuration/settings';
import type { RoleCatalogStore } from './roleCatalogStore';

/**
 * What the view shows of a central user's access key (features/keyRotation.ts): nothing is read to draw a row; the
 * key's age and last use are looked up when the person hovers its row, and shown on the row once known.
 */
export interface SourceKeyDetails {
  /** The tooltip's lines about the profile's key (IAM calls); undefined when the profile has no key to describe. */
  tooltipLines(profile: string): Promise<string[] | undefined>;
  /** What is known already, without I/O: a short description and whether the key is older than the setting. */
  known(profile: string): { description: string; tooOld: boolean } | undefined;
}

interface Deps {
  catalog: RoleCatalogStore;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
  holder?: KeyHolder;
}

type Looked = { facts: KeyFacts[] } | { problem: string } | undefined;

export class AccessKeyFacts implements SourceKeyDetails, vscode.Disposable {
  private readonly looked = new Map<string, Promise<Looked>>();
  /** Settled lookups, for the rows drawn without I/O. */
  private readonly settled = new Map<string, Looked>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** A lookup finished: rows may show the key's age now. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: Deps) {}

  forget(profile?: string): void {
    if (profile === undefined) {
      this.looked.clear();
      this.settled.clear();
    } else {
      this.looked.delete(profile);
      this.settled.delete(profile);
    }
  }

  async tooltipLines(profile: string): Promise<string[] | undefined> {
    const looked = await this.lookUp(profile);
    if (!looked) return undefined;
    if ('problem' in looked) return [looked.problem];
    return keyFactsLines(looked.facts, this.deps.settings().keys.maxAgeDays);
  }

  known(profile: string): { description: string; tooOld: boolean } | undefined {
    const looked = this.settled.get(profile);
    const own = looked && 'facts' in looked ? looked.facts.find((k) => k.inUse) : undefined;
    if (!own?.createdAt) return undefined;
    return { description: `key ${ageInDays(own.createdAt)} days old`, tooOld: isTooOld(own, this.deps.settings().keys.maxAgeDays) };
  }

  private lookUp(profile: string): Promise<Looked> {
    let looked = this.looked.get(profile);
    if (!looked) {
      looked = this.read(profile).then((result) => {
        if (this.looked.get(profile) === looked) {
          this.settled.set(profile, result);
          this.changed.fire();
        }
        return result;
      });
      this.looked.set(profile, looked);
    }
    return looked;
  }

  private async read(profile: string): Promise<Looked> {
    const settings = this.deps.settings();
    try {
      const { config } = await this.deps.catalog.get();
      const found = await profileKey(profile, config, this.deps.holder);
      if (!found) return undefined;
      const facts = await readKeyFacts(found.key, {
        iamEndpoint: settings.iamEndpoint,
        region: settings.region,
        timeoutMs: settings.requestTimeoutMs,
        log: (line) => this.deps.log.info(line),
      });
      return { facts };
    } catch (error) {
      // Not cached as a result: the next hover asks again.
      this.looked.delete(profile);
      this.deps.log.warn(`Key age of profile ${profile}: ${errorText(error)}`);
      return { problem: error instanceof UserError ? error.message : 'Key age unknown: see the IAM Switchboard log.' };
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
