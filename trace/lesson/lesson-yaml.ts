/**
 * Reading one YAML block of a lesson (the front matter or a step's ```lesson block) so that
 * every complaint names the file and the line in the lesson file, not in the block.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

/** An invalid lesson: `file:line: what is wrong`. */
export class LessonFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'LessonFormatError';
  }
}

/** Edit distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

export function suggest(word: string, known: readonly string[]): string {
  const best = known
    .map((k) => [k, distance(word.toLowerCase(), k.toLowerCase())] as const)
    .sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 3 ? ` (did you mean "${best[0]}"?)` : '';
}

export type YNode = Node | null | undefined;

/** One parsed block and the line in the file where its first line sits. */
export class YamlBlock {
  readonly root: YNode;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
    /** The file line of the block's first line. */
    private readonly firstLine: number,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      const at = this.lines.linePos(err.pos[0]).line;
      const message = err.message.split('\n')[0];
      throw new LessonFormatError(file, firstLine + Math.max(at, 1) - 1, `YAML: ${message}`);
    }
    this.root = doc.contents as YNode;
  }

  lineOf(node: YNode): number {
    const offset = node?.range?.[0];
    if (offset === undefined) return this.firstLine;
    return this.firstLine + Math.max(this.lines.linePos(offset).line, 1) - 1;
  }

  fail(node: YNode, problem: string): never {
    throw new LessonFormatError(this.file, this.lineOf(node), problem);
  }

  /** A mapping with only `known` keys (or keys `open` accepts); returns its entries by key, each with its node. */
  map(
    node: YNode,
    what: string,
    known: readonly string[],
    open?: (key: string) => boolean,
  ): Map<string, Node> {
    if (!isMap(node)) this.fail(node, `${what} must be a mapping (key: value lines)`);
    const out = new Map<string, Node>();
    for (const pair of node.items) {
      const keyNode = pair.key as YNode;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      if (!known.includes(key) && !open?.(key)) {
        const list = known.map((k) => `"${k}"`).join(', ');
        this.fail(keyNode, `${what}: unknown key "${key}"${suggest(key, known)}; known: ${list}`);
      }
      if (out.has(key)) this.fail(keyNode, `${what}: "${key}" is given twice`);
      out.set(key, (pair.value as Node | null) ?? (keyNode as Node));
    }
    return out;
  }

  required(m: Map<string, Node>, key: string, what: string, at: YNode): Node {
    const node = m.get(key);
    if (!node) this.fail(at, `${what} needs "${key}"`);
    return node;
  }

  string(node: YNode, what: string): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '')
      this.fail(node, `${what} must be a non-empty string`);
    return node.value;
  }

  int(node: YNode, what: string, min: number, max: number): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(node, `${what} must be a whole number from ${min} to ${max}`);
    return v;
  }

  choice<T extends string>(node: YNode, what: string, options: readonly T[]): T {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'string' || !options.includes(v as T))
      this.fail(node, `${what} must be one of ${options.join(', ')}`);
    return v as T;
  }

  bool(node: YNode, what: string): boolean {
    if (!isScalar(node) || typeof node.value !== 'boolean')
      this.fail(node, `${what} must be true or false`);
    return node.value;
  }

  /** A list; a single item is taken as a list of one, which reads better for one action. */
  list(node: YNode, what: string): YNode[] {
    if (isSeq(node)) return node.items as YNode[];
    if (node === null || node === undefined) this.fail(node, `${what} is empty`);
    return [node];
  }

  /** Any plain value (for event fields, emit args, choice values). */
  value(node: YNode): unknown {
    return node ? node.toJSON() : null;
  }
}
