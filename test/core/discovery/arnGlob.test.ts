// IAM wildcards as automata: the same answers as the memoised recursion they replace (where IAM's colon rule does not
// come in), IAM's own rule for `*` at the end of an ARN segment checked against every short string, and policies at
// AWS's size limit evaluated without blocking the event loop.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { arnGlob, covers, intersects, literal } from '../../../src/core/discovery/arnGlob';
import { type SourcedPolicy, assumableRoles, evaluateAssumableRoles, parsePolicy } from '../../../src/core/discovery/iamPolicy';
import { UserError } from '../../../src/core/userError';

/** The algorithm before: memoised recursion over pairs of positions, one kind of `*`. Reference only. */
function oldCovers(outer: string, inner: string): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (j === inner.length) result = [...outer.slice(i)].every((c) => c === '*');
    else if (i === outer.length) result = false;
    else if (outer[i] === '*') result = go(i + 1, j) || go(i, j + 1);
    else if (inner[j] === '*') result = false;
    else if (outer[i] === '?') result = go(i + 1, j + 1);
    else result = inner[j] !== '?' && outer[i] === inner[j] && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

function oldIntersect(a: string, b: string): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '*') result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** IAM's rule as a regular expression: `?` and `*` stay in their segment, a `*` ending one does not. */
function iamRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += i + 1 === pattern.length || pattern[i + 1] === ':' ? '.*' : '[^:]*';
    else if (c === '?') source += '[^:]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** Every string over `alphabet` up to `length` characters. */
function allStrings(alphabet: string[], length: number): string[] {
  let level = [''];
  const all = [''];
  for (let i = 0; i < length; i++) {
    level = level.flatMap((s) => alphabet.map((c) => s + c));
    all.push(...level);
  }
  return all;
}

const pattern = (chars: string[], maxLength: number) => fc.array(fc.constantFrom(...chars), { maxLength }).map((cs) => cs.join(''));
const WORDS = allStrings(['a', 'b', ':', 'c'], 6);

describe('wildcard matching', () => {
  test('without colons, covers and intersects answer as the old recursion did', () => {
    const glob = pattern(['a', 'b', '*', '?'], 8);
    fc.assert(
      fc.property(glob, glob, (a, b) => {
        assert.equal(covers(arnGlob(a), arnGlob(b)), oldCovers(a, b), `covers(${a}, ${b})`);
        assert.equal(intersects(arnGlob(a), arnGlob(b)), oldIntersect(a, b), `intersects(${a}, ${b})`);
      }),
      { numRuns: 2000 },
    );
  });

  test("with colons, matching is IAM's rule: a * ending a segment spans colons, other wildcards do not", () => {
    fc.assert(
      fc.property(pattern(['a', ':', '*', '?'], 6), fc.constantFrom(...WORDS), (p, text) => {
        assert.equal(covers(arnGlob(p), literal(text)), iamRegex(p).test(text), `${p} ~ ${text}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('intersects is true exactly when some short string matches both; covers never claims too much', () => {
    const glob = pattern(['a', ':', '*', '?'], 3);
    fc.assert(
      fc.property(glob, glob, (a, b) => {
        const [ra, rb] = [iamRegex(a), iamRegex(b)];
        // A shortest common string has no character that only stars stand for: at most 3 + 3 characters.
        const witness = WORDS.find((w) => ra.test(w) && rb.test(w));
        assert.equal(intersects(arnGlob(a), arnGlob(b)), witness !== undefined, `intersects(${a}, ${b})`);
        if (covers(arnGlob(a), arnGlob(b))) {
          assert.equal(
            WORDS.find((w) => rb.test(w) && !ra.test(w)),
            undefined,
            `${a} covers ${b}`,
          );
        }
      }),
      { numRuns: 1500 },
    );
  });
});

const origin = { kind: 'userInline' as const, policyName: 'Big', label: 'inline policy Big of user u' };
const policyOf = (statements: object[]): SourcedPolicy => {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  assert.ok(parsed);
  return { origin, statements: parsed };
};

describe('policies at AWS size limits', () => {
  // A managed policy holds at most 6,144 characters: an Allow and Denies of ~3,000 characters of wildcards each.
  // The old recursion memoised every pair of positions: 94 s and 1.2 GB for this one, the event loop blocked.
  const allowed = `arn:aws:iam::*:role/${'*a'.repeat(1480)}`;
  const denied = `arn:aws:iam::*:role/${'a*'.repeat(1480)}b`;
  const worst = policyOf([
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: allowed },
    { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: denied },
    { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${'a*'.repeat(1480)}` },
  ]);

  test('a policy of AWS-limit patterns of wildcards is evaluated in well under 10 s, with the right answer', () => {
    const started = Date.now();
    const roles = assumableRoles([worst]);
    // Generous: it takes a fraction of a second on a busy machine; the old code took 94 s.
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    // Ends in `a` against ends in `b`: no role is both; `a*a*…a*` takes part of `*a*a…*a` (a*…*a names both).
    assert.deepEqual(
      roles.candidates.map((c) => c.resource),
      [allowed],
    );
    assert.deepEqual(
      roles.candidates[0].denies.map((d) => d.covers),
      ['part'],
    );
  });

  test('evaluated from a server, the work is done in slices: the event loop runs in between', async () => {
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const roles = await evaluateAssumableRoles([worst], { userName: 'u', userId: 'AIDAU', accountId: '111111111111', arn: 'x' });
    running = false;
    assert.equal(roles.candidates.length, 1);
    assert.ok(turns >= 5, `the event loop ran ${turns} times while millions of steps were done`);
  });

  test('work beyond the budget stops with a sentence instead of running on', () => {
    assert.throws(
      () => assumableRoles([worst], undefined, 1_000_000),
      (error: unknown) => error instanceof UserError && error.code === 'PolicyTooComplex' && /IAM console/.test(error.message),
    );
  });
});
