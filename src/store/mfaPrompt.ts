// The MFA prompt as the STS path asks it: remembers which codes this window already sent, so a reused code is
// refused in the box itself ("already used"), and says why an earlier code was rejected ("AWS rejected").
import { askMfaCode } from '../prompts/mfaCode';

/** A TOTP code is valid for 30 s and AWS accepts one step either side: a code stays "used" this long. */
const USED_CODE_MS = 90_000;

export class MfaPrompt {
  private readonly sent = new Map<string, { code: string; at: number }[]>();

  /** Asks for a code for `serial`; `problem` says why the last one failed. Undefined when cancelled. */
  async ask(serial: string, problem?: string): Promise<string | undefined> {
    const code = await askMfaCode(serial, { problem, isUsed: (value) => this.wasSent(serial, value) });
    if (code) {
      this.remember(serial, code);
    }
    return code;
  }

  private wasSent(serial: string, code: string, now = Date.now()): boolean {
    return (this.sent.get(serial) ?? []).some((s) => s.code === code && now - s.at < USED_CODE_MS);
  }

  private remember(serial: string, code: string, now = Date.now()): void {
    const recent = (this.sent.get(serial) ?? []).filter((s) => now - s.at < USED_CODE_MS);
    this.sent.set(serial, [...recent, { code, at: now }]);
  }
}
