// The one MFA prompt: every flow that needs a code (assume, refresh, Vault STS leases) asks with this text.
import * as vscode from 'vscode';
import { isMfaCode } from '../core/sts/assumeRole';

interface MfaPromptOptions {
  /** Shown above the box when an earlier code was refused, e.g. "That code was already used: wait for the next one." */
  problem?: string;
  /** True for a code this window already sent: AWS refuses a code twice, so it is refused here first. */
  isUsed?: (code: string) => boolean;
}

/** Asks for the 6-digit code of `serial`; undefined when the person cancels. Checked before anything is sent. */
export async function askMfaCode(serial: string, options: MfaPromptOptions = {}): Promise<string | undefined> {
  const code = await vscode.window.showInputBox({
    title: 'MFA code',
    prompt: options.problem ? `${options.problem} Code from MFA device ${serial}` : `Code from MFA device ${serial}`,
    placeHolder: '123456',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (!isMfaCode(value.trim())) {
        return 'Enter the 6 digits your MFA device shows.';
      }
      return options.isUsed?.(value.trim()) ? 'You already used this code: wait for your device to show the next one.' : undefined;
    },
  });
  return code?.trim();
}
