// Times in messages and tooltips: one 24-hour format everywhere (issue 19 found "2:05 PM" next to "14:05").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { clockTime } from '../../src/core/time';

const SRC = path.resolve(__dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('clockTime', () => {
  const now = new Date(2026, 11, 7, 10, 0);

  it('is 24-hour HH:MM for a time today, afternoon and morning alike', () => {
    assert.equal(clockTime(new Date(2026, 11, 7, 14, 5), now), '14:05');
    assert.equal(clockTime(new Date(2026, 11, 7, 9, 5), now), '09:05');
    assert.equal(clockTime(new Date(2026, 11, 7, 0, 0), now), '00:00');
  });

  it('puts the date in front of a time on another day', () => {
    assert.equal(clockTime(new Date(2026, 11, 8, 9, 30), now), '2026-12-08 09:30');
    assert.equal(clockTime(new Date(2027, 0, 7, 23, 59), now), '2027-01-07 23:59');
  });

  it('is the only way the extension writes a time: no locale formatter (12-hour in en-US) and no UTC ISO text', () => {
    const offenders = sourceFiles(SRC).flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, where: `${path.relative(SRC, file)}:${i + 1}` }))
        .filter(({ line }) => /\.toLocale(Time|Date)?String\(|\.toTimeString\(|\.toUTCString\(/.test(line))
        .map(({ where }) => where),
    );
    assert.deepEqual(offenders, []);
  });
});
