// Expands a VS Code snippet body the way the editor does when a person accepts every default: placeholders
// take their default text, choices their first option, mirrors copy their tab stop's default. The tests use it
// to prove every snippet turns into valid HCL. It follows VS Code's snippet grammar, but is stricter in one
// place: a `$` that starts no tab stop, placeholder, choice or variable is an error instead of literal text,
// because in a Terraform snippet that is almost always a `${...}` interpolation someone forgot to escape.

export class SnippetSyntaxError extends Error {
  readonly code = 'InvalidSnippet';
  constructor(message: string) {
    super(message);
    this.name = 'SnippetSyntaxError';
  }
}

/** One piece of a parsed snippet body. */
export type SnippetNode =
  | { kind: 'text'; value: string }
  | { kind: 'tabstop'; index: number; children: SnippetNode[] }
  | { kind: 'choice'; index: number; options: string[] }
  | { kind: 'variable'; name: string; children: SnippetNode[] };

const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const INDEX = /^[0-9]+/;

/** Parses a snippet body (a `body` string, or its array of lines) into nodes. */
export function parseSnippet(body: string | readonly string[]): SnippetNode[] {
  const text = typeof body === 'string' ? body : body.join('\n');
  return new Parser(text).parseUntil(undefined);
}

/** Picks one option of a choice tab stop; the editor's default is the first. */
export type ChoicePicker = (index: number, options: readonly string[]) => string;

/** The text a snippet inserts when every tab stop keeps its default (or, for choices, what `pick` picks). */
export function expandSnippet(body: string | readonly string[], pick: ChoicePicker = (_index, options) => options[0]): string {
  const nodes = parseSnippet(body);
  const defaults = new Map<number, string>();
  collectDefaults(nodes, defaults, pick);
  return render(nodes, defaults);
}

/** Every choice tab stop in the body with its options. */
export function choicesOf(body: string | readonly string[]): Map<number, string[]> {
  const choices = new Map<number, string[]>();
  const visit = (nodes: SnippetNode[]): void => {
    for (const node of nodes) {
      if (node.kind === 'choice') {
        choices.set(node.index, node.options);
      } else if (node.kind !== 'text') {
        visit(node.children);
      }
    }
  };
  visit(parseSnippet(body));
  return choices;
}

/** Tab stop numbers in the order they first appear in the body, `$0` excluded. */
export function tabStopOrder(body: string | readonly string[]): number[] {
  const order: number[] = [];
  const visit = (nodes: SnippetNode[]): void => {
    for (const node of nodes) {
      if ((node.kind === 'tabstop' || node.kind === 'choice') && node.index !== 0 && !order.includes(node.index)) {
        order.push(node.index);
      }
      if (node.kind === 'tabstop' || node.kind === 'variable') {
        visit(node.children);
      }
    }
  };
  visit(parseSnippet(body));
  return order;
}

// VS Code takes a tab stop's text from its first occurrence that has any (placeholder text or a choice);
// bare `$1` elsewhere mirrors it.
function collectDefaults(nodes: SnippetNode[], defaults: Map<number, string>, pick: ChoicePicker): void {
  for (const node of nodes) {
    if (node.kind === 'choice' && !defaults.has(node.index)) {
      defaults.set(node.index, pick(node.index, node.options));
    } else if (node.kind === 'tabstop') {
      // Inner placeholders first, so `${1:outer ${2:inner}}` renders with its inner default.
      collectDefaults(node.children, defaults, pick);
      if (!defaults.has(node.index) && node.children.length > 0) {
        defaults.set(node.index, render(node.children, defaults));
      }
    } else if (node.kind === 'variable') {
      collectDefaults(node.children, defaults, pick);
    }
  }
}

function render(nodes: SnippetNode[], defaults: Map<number, string>): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.value;
        case 'choice':
        case 'tabstop':
          return defaults.get(node.index) ?? '';
        case 'variable':
          // Unknown variables insert their default, or else their own name (as VS Code does).
          return node.children.length > 0 ? render(node.children, defaults) : node.name;
      }
    })
    .join('');
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  /** Parses until `stop` (a closing `}`), or to the end of the text when `stop` is undefined. */
  parseUntil(stop: '}' | undefined): SnippetNode[] {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = (): void => {
      if (text) {
        nodes.push({ kind: 'text', value: text });
        text = '';
      }
    };
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '\\' && '$}\\'.includes(this.text[this.pos + 1] ?? '')) {
        text += this.text[this.pos + 1];
        this.pos += 2;
      } else if (char === '$') {
        flush();
        nodes.push(this.parseDollar());
      } else if (char === '}' && stop === '}') {
        flush();
        this.pos++;
        return nodes;
      } else {
        text += char;
        this.pos++;
      }
    }
    if (stop) {
      throw this.error('a placeholder is not closed with "}"');
    }
    flush();
    return nodes;
  }

  private parseDollar(): SnippetNode {
    const start = this.pos;
    this.pos++;
    const rest = this.text.slice(this.pos);
    const index = INDEX.exec(rest);
    if (index) {
      this.pos += index[0].length;
      return { kind: 'tabstop', index: Number(index[0]), children: [] };
    }
    const name = VARIABLE_NAME.exec(rest);
    if (name) {
      this.pos += name[0].length;
      return { kind: 'variable', name: name[0], children: [] };
    }
    if (rest.startsWith('{')) {
      this.pos++;
      return this.parseBraced();
    }
    this.pos = start;
    throw this.error('a "$" starts no tab stop or variable (write "\\\\$" for a literal "$")');
  }

  // After `${`: `1}`, `1:default}`, `1|a,b|}`, `name}`, `name:default}`.
  private parseBraced(): SnippetNode {
    const rest = this.text.slice(this.pos);
    const index = INDEX.exec(rest);
    const name = index ? undefined : VARIABLE_NAME.exec(rest);
    const head = index ?? name;
    if (!head) {
      throw this.error('"${" must be followed by a number or a variable name (write "\\\\${" for a Terraform interpolation)');
    }
    this.pos += head[0].length;
    const next = this.text[this.pos];
    const children = (): SnippetNode[] => {
      if (next === '}') {
        this.pos++;
        return [];
      }
      if (next === ':') {
        this.pos++;
        return this.parseUntil('}');
      }
      throw this.error(`unexpected "${next ?? 'end of text'}" after "\${${head[0]}"`);
    };
    if (index) {
      if (next === '|') {
        this.pos++;
        return { kind: 'choice', index: Number(index[0]), options: this.parseChoices() };
      }
      return { kind: 'tabstop', index: Number(index[0]), children: children() };
    }
    return { kind: 'variable', name: head[0], children: children() };
  }

  // After `${1|`: options separated by `,`, ended by `|}`; `\` escapes `,`, `|` and `\`.
  private parseChoices(): string[] {
    const options: string[] = [];
    let option = '';
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '\\' && ',|\\'.includes(this.text[this.pos + 1] ?? '')) {
        option += this.text[this.pos + 1];
        this.pos += 2;
      } else if (char === ',') {
        options.push(option);
        option = '';
        this.pos++;
      } else if (char === '|' && this.text[this.pos + 1] === '}') {
        options.push(option);
        this.pos += 2;
        return options;
      } else {
        option += char;
        this.pos++;
      }
    }
    throw this.error('a choice is not closed with "|}"');
  }

  private error(problem: string): SnippetSyntaxError {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    return new SnippetSyntaxError(`Invalid snippet at line ${line}, column ${column}: ${problem}`);
  }
}
