// IAM's wildcards as automata: `*` (any run) and `?` (one character), matched, compared and intersected without
// recursion and in O(n·m) steps for patterns of n and m characters, paced by a Meter: the worst 6,144-character
// managed policy costs a fraction of a second in slices (the memoised recursion this replaces took 94 s and 1.2 GB
// of blocked event loop for it, and overflowed the stack on others).
//
// In a resource ARN, wildcards stay inside their segment (the parts between colons), except that a `*` which is
// the last character of a segment "can expand to match beyond the colon boundaries" — IAM User Guide, "IAM JSON
// policy elements: Resource", section "Using wildcards in resource ARNs"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). So
// `arn:aws:iam::333333333333*` names every role of that account, and `*` alone names everything. Action names are
// no ARNs: there every wildcard matches any character.

/** Token kinds: a literal character, `?` without or with `:`, `*` without or with `:`. */
const LITERAL = 0;
const ONE = 1;
const ONE_ANY = 2;
const STAR = 3;
const STAR_ANY = 4;

interface Glob {
  kinds: Uint8Array;
  /** The UTF-16 code of each token's character (for literals, the character it stands for). */
  codes: Uint16Array;
}

const COLON = 58;

const codesOf = (text: string): Uint16Array => Uint16Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));

/** Counts the automaton steps spent, so a caller can bound the work and pace it (see Steps). */
export interface Meter {
  /** Throws when the work exceeds what the caller allows. */
  spend(steps: number): void;
  /** True when enough was done since the last time that the caller wants the event loop to run. */
  due(): boolean;
}

/** A computation that pauses (yields) whenever its meter says so; run() runs one to the end in one go. */
export type Steps<T> = Generator<void, T, void>;

export function run<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** A resource ARN pattern, with IAM's segment rules for its wildcards. */
export function arnGlob(pattern: string): Glob {
  const kinds = new Uint8Array(pattern.length);
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') kinds[i] = i + 1 === pattern.length || pattern[i + 1] === ':' ? STAR_ANY : STAR;
    else if (c === '?') kinds[i] = ONE;
    else kinds[i] = LITERAL;
  }
  return { kinds, codes: codesOf(pattern) };
}

/** A pattern whose wildcards never cross a colon (the shape of a role ARN, whose parts hold none). */
export function segmentGlob(pattern: string): Glob {
  return { kinds: arnGlob(pattern).kinds.map((kind) => (kind === STAR_ANY ? STAR : kind)), codes: codesOf(pattern) };
}

/** A pattern whose wildcards match any character (action names). */
export function plainGlob(pattern: string): Glob {
  const kinds = new Uint8Array(pattern.length);
  for (let i = 0; i < pattern.length; i++) kinds[i] = pattern[i] === '*' ? STAR_ANY : pattern[i] === '?' ? ONE_ANY : LITERAL;
  return { kinds, codes: codesOf(pattern) };
}

/** A literal string: every character stands for itself, `*` and `?` included. */
export function literal(text: string): Glob {
  return { kinds: new Uint8Array(text.length), codes: codesOf(text) };
}

const isStar = (kind: number) => kind >= STAR;

/** Can the pattern token `outer` stand for the token `inner` (a literal, or every string a wildcard can be)? */
function absorbs(outer: number, outerCode: number, inner: number, innerCode: number): boolean {
  switch (outer) {
    case LITERAL:
      return inner === LITERAL && innerCode === outerCode;
    case ONE:
      return inner === ONE || (inner === LITERAL && innerCode !== COLON);
    case ONE_ANY:
      return inner === LITERAL || inner === ONE || inner === ONE_ANY;
    case STAR:
      return inner === ONE || inner === STAR || (inner === LITERAL && innerCode !== COLON);
    default:
      return true;
  }
}

/**
 * True when every string `inner` matches is matched by `outer`. Sound, not complete: each token of `inner` must be
 * stood for by one of `outer` (a `*` of `outer` standing for any run of them), which is how role patterns nest in
 * practice. With a literal `inner`, this is plain matching. An NFA over the positions of `outer`, run token by
 * token over `inner`.
 */
export function covers(outer: Glob, inner: Glob): boolean {
  return run(coverSteps(outer, inner));
}

export function* coverSteps(outer: Glob, inner: Glob, meter?: Meter): Steps<boolean> {
  const n = outer.kinds.length;
  const m = inner.kinds.length;
  let current = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  current[0] = 1;
  closeOverStars(outer, current);
  for (let j = 0; j < m; j++) {
    meter?.spend(n + 1);
    if (meter?.due()) yield;
    next.fill(0);
    let any = false;
    const kind = inner.kinds[j];
    const code = inner.codes[j];
    for (let i = 0; i < n; i++) {
      if (!current[i] || !absorbs(outer.kinds[i], outer.codes[i], kind, code)) continue;
      // A star stays to stand for more; any other token is used up.
      next[isStar(outer.kinds[i]) ? i : i + 1] = 1;
      any = true;
    }
    if (!any) return false;
    closeOverStars(outer, next);
    [current, next] = [next, current];
  }
  return current[n] === 1;
}

/** A star may also stand for nothing: a state before one is a state after it as well. */
function closeOverStars(glob: Glob, states: Uint8Array): void {
  for (let i = 0; i < glob.kinds.length; i++) if (states[i] && isStar(glob.kinds[i])) states[i + 1] = 1;
}

/**
 * True when some string matches both: is the end reachable in the product of the two automata? Every move there
 * advances in `a`, in `b` or in both (a star that stands for a character stays where it is), so reachability
 * is one pass over the pairs of positions in order, keeping two rows: O(n·m) steps, O(m) memory, no recursion.
 */
export function intersects(a: Glob, b: Glob): boolean {
  return run(intersectSteps(a, b));
}

export function* intersectSteps(a: Glob, b: Glob, meter?: Meter): Steps<boolean> {
  const n = a.kinds.length;
  const m = b.kinds.length;
  const aStar = a.kinds.map(isStarKind);
  const bStar = b.kinds.map(isStarKind);
  let above = new Uint8Array(m + 1);
  let row = new Uint8Array(m + 1);
  for (let i = 0; i <= n; i++) {
    meter?.spend(m + 1);
    if (meter?.due()) yield;
    let any = false;
    for (let j = 0; j <= m; j++) {
      let reached = i === 0 && j === 0;
      // From (i-1, j): a star of `a` stands for nothing, or `a` uses a token for a character a star of `b` stays on.
      if (!reached && i > 0 && above[j]) reached = aStar[i - 1] === 1 || (j < m && bStar[j] === 1 && fits(a, i - 1, b, j));
      // From (i, j-1): the same, the other way round.
      if (!reached && j > 0 && row[j - 1]) reached = bStar[j - 1] === 1 || (i < n && aStar[i] === 1 && fits(a, i, b, j - 1));
      // From (i-1, j-1): one character, a token of each.
      if (!reached && i > 0 && j > 0 && above[j - 1] && !aStar[i - 1] && !bStar[j - 1]) reached = fits(a, i - 1, b, j - 1);
      row[j] = reached ? 1 : 0;
      any ||= reached;
    }
    if (!any) return false;
    [above, row] = [row, above];
  }
  return above[m] === 1;
}

const isStarKind = (kind: number): number => (kind >= STAR ? 1 : 0);

/** Is there a character both tokens accept? */
function fits(a: Glob, i: number, b: Glob, j: number): boolean {
  return oneCharacterFits(a.kinds[i], a.codes[i], b.kinds[j], b.codes[j]);
}

/** Is there a character both tokens accept? Only literals, and a `:` against a token that excludes it, say no. */
function oneCharacterFits(a: number, aCode: number, b: number, bCode: number): boolean {
  if (a === LITERAL && b === LITERAL) return aCode === bCode;
  if (a === LITERAL) return aCode !== COLON || b === ONE_ANY || b === STAR_ANY;
  if (b === LITERAL) return bCode !== COLON || a === ONE_ANY || a === STAR_ANY;
  return true;
}
