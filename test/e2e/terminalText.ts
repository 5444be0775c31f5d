// Reading what a command printed in a terminal of the workbench: the scenarios that check a terminal's identity run
// a command after a marker and wait for its output on the panel's active terminal.
import type { Page } from 'playwright-core';
import { TERMINAL_KEYS, actedAgain, runInTerminal } from './driver';

/** Numbers the markers: each scenario file runs in its own process, so a marker is never shown twice. */
let step = 0;

/** The active terminal's text with its wrapped lines joined (xterm breaks long output at the panel's width). */
export async function joinedText(page: Page): Promise<string> {
  return (await page.locator('.part.panel .terminal-wrapper.active .xterm-rows').innerText()).replace(/\u00a0/g, ' ').replace(/\n/g, '');
}

/** Waits until the active terminal's joined text matches `pattern`, and returns what matched. */
export async function waitForJoinedText(page: Page, pattern: RegExp, timeout: number): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await joinedText(page).catch(() => '');
    const match = pattern.exec(text);
    if (match) return match[0];
    await page.waitForTimeout(250);
  }
  throw new Error(`the active terminal never showed ${pattern}; it shows:\n${text}`);
}

/**
 * Runs `command` in the terminal named `name`, its output (stderr too) on one line after a new marker, and waits
 * until that output shows `expected`: never in the output of another marker, so a late answer to an earlier line
 * cannot pass for this one. Returns the marker and what matched.
 */
export async function expectIn(page: Page, name: string, command: string, expected: RegExp): Promise<{ marker: string; shown: string }> {
  for (let attempt = 1; ; attempt++) {
    const marker = `out${++step}`;
    await runInTerminal(page, name, `echo "${marker}:$(${command} 2>&1 | tr '\\n' ' ')"`);
    try {
      const shown = await waitForJoinedText(page, new RegExp(`${marker}:(?:(?!out\\d+:).)*?(?:${expected.source})`), 30_000);
      return { marker, shown };
    } catch (error) {
      if (attempt === 2) throw error;
      actedAgain('expectIn', `typing the line again in ${name}`, { mayRetryBecause: TERMINAL_KEYS });
    }
  }
}
