// What both test runners (the core tests' and the e2e runner) count and print: passed, failed and skipped tests,
// each skip named with its reason, so a run on a machine without terraform, boto3 or the AWS CLI says what it
// did not test. In CI (CI=true, which .ci/run sets) every skip is for a missing tool and counts as a failure.

export interface Skip {
  name: string;
  reason: string;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: Skip[];
}

/** CI must test everything: a skipped test there means a tool is missing from the machine. */
export const skipsFail = (): boolean => process.env.CI === 'true';

/** The counts in a TAP report of `node --test --test-reporter=tap`, with the skipped tests' names and reasons. */
export function readTap(report: string): Counts {
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(report)?.[1] ?? 0);
  const skipped = [...report.matchAll(/^\s*ok \d+ - (.*?) # SKIP\b ?(.*)$/gm)].map((m) => ({
    name: m[1].replace(/\\#/g, '#'),
    reason: m[2] || 'no reason given',
  }));
  return { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped };
}

/** Prints every skip with its reason; in CI, turns them into failures. Returns the counts to report. */
export function judgeSkips(counts: Counts, print: (line: string) => void): Counts {
  const strict = skipsFail();
  for (const s of counts.skipped) print(`${strict ? 'failed (skipped, and CI=true allows no skip)' : 'skipped'}: ${s.name} — ${s.reason}`);
  return strict ? { passed: counts.passed, failed: counts.failed + counts.skipped.length, skipped: [] } : counts;
}

/** `N passed, M failed, K skipped`: the last line of both runners. */
export function summaryLine(counts: Counts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped.length} skipped`;
}
