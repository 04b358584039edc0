/**
 * A compose file read with the `yaml` library, keeping where each key and value came from: the plain value
 * (merge keys `<<` resolved, as docker compose does) and `lineOf(path)`, the line of the key (or list item) at a
 * path, falling back to the nearest enclosing one that is written in the file (a key brought in by `<<: *anchor`).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ComposeInvalidError } from './errors.js';

export type Path = readonly (string | number)[];

export interface ComposeSource {
  file: string;
  value: unknown;
  lineOf(path: Path): number;
}

export function readComposeSource(text: string, file: string): ComposeSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const errors = [...doc.errors];
  if (errors.length > 0) {
    throw new ComposeInvalidError(errors.map((e) => ({ kind: 'invalid', file, line: lineAt(e.pos[0]), message: firstLine(e.message) })));
  }
  return { file, value: doc.toJS({ maxAliasCount: 1000 }) as unknown, lineOf: (path) => lineOfPath(doc, path, lineAt) };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function lineOfPath(doc: Document, path: Path, lineAt: (offset: number) => number): number {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const step = path[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
      if (range) return lineAt(range[0]);
    } else if (isSeq(parent) && typeof step === 'number') {
      const item = parent.items[step] as { range?: [number, number, number] } | undefined;
      if (item?.range) return lineAt(item.range[0]);
    }
  }
  return 1;
}
