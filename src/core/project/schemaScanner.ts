import { type SourcePosition } from './types';

/**
 * A small, forgiving scanner for Prisma schema files. It does not validate (the engine does);
 * it finds blocks, their members and the names they map to in the database, with 1-based
 * positions, so drift found in database terms can be shown on the right schema line.
 */

export type SchemaBlockKind = 'model' | 'enum' | 'view' | 'type' | 'datasource' | 'generator';

export interface SchemaAttribute {
  /** Name without the leading `@`/`@@`, e.g. `map`, `default`, `relation`. */
  name: string;
  /** Raw text between the parentheses, or undefined when there are none. */
  args?: string;
  /** Where the attribute starts (its `@@`), for block attributes. */
  location?: SourcePosition;
}

/** A field of a model/view/type, or a value of an enum. */
export interface SchemaMember {
  name: string;
  location: SourcePosition;
  /** Field type as written without modifiers (`String`, `Invoice`, `Unsupported("tsvector")`); empty for enum values. */
  typeName: string;
  optional: boolean;
  list: boolean;
  attributes: SchemaAttribute[];
  /** Database name: the `@map("…")` argument, else the member name. */
  dbName: string;
}

export interface SchemaAssignment {
  key: string;
  /** Raw value text, e.g. `env("DATABASE_URL")`, `"postgresql"`, `["a", "b"]`. */
  value: string;
  location: SourcePosition;
  valueLocation: SourcePosition;
}

export interface SchemaBlock {
  kind: SchemaBlockKind;
  name: string;
  /** Position of the block name. */
  location: SourcePosition;
  /** Position of the block keyword (first character of the declaration line). */
  start: SourcePosition;
  /** 1-based line of the closing brace (or the last line of the file when unclosed). */
  endLine: number;
  /** Position of the closing brace; absent when the block is not closed. */
  closeBrace?: SourcePosition;
  closed: boolean;
  members: SchemaMember[];
  blockAttributes: SchemaAttribute[];
  assignments: SchemaAssignment[];
  /** Database name: `@@map("…")` argument, else the block name. */
  dbName: string;
  /** `@@schema("…")` argument for multiSchema projects. */
  dbSchema?: string;
}

export interface ScannedSchema {
  file: string;
  blocks: SchemaBlock[];
  /** Things the scanner could not make sense of; the engine gives the authoritative error. */
  warnings: { message: string; location: SourcePosition }[];
}

const BLOCK_KEYWORDS = new Set<SchemaBlockKind>(['model', 'enum', 'view', 'type', 'datasource', 'generator']);

interface LogicalLine {
  text: string;
  /** 1-based line of the first character. */
  line: number;
  /** 1-based character of the first non-blank character. */
  character: number;
  /** Map from index in `text` to [line, character] for positions inside joined lines. */
  positions: Array<[number, number]>;
}

/**
 * Splits a schema into logical lines: comments removed, lines joined while inside (), [] or a
 * string, so a multi-line `@@index([a,\n b])` stays one statement.
 */
function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let line = 1;
  let character = 1;
  let depth = 0;
  let inString = false;
  let current = '';
  let positions: Array<[number, number]> = [];
  const flush = (): void => {
    const leading = current.length - current.trimStart().length;
    const trimmed = current.trim();
    if (trimmed.length > 0) {
      const [l, c] = positions[leading] ?? [line, 1];
      out.push({ text: trimmed, line: l, character: c, positions: positions.slice(leading) });
    }
    current = '';
    positions = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      current += ch;
      positions.push([line, character]);
      if (ch === '\\' && i + 1 < text.length && text[i + 1] !== '\n') {
        i++;
        character++;
        current += text[i];
        positions.push([line, character]);
      } else if (ch === '"') {
        inString = false;
      } else if (ch === '\n') {
        // An unterminated string ends at the line end; the engine will report it.
        inString = false;
        current = current.slice(0, -1);
        positions.pop();
        line++;
        character = 0;
        if (depth === 0) flush();
      }
      character++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      i--;
      continue;
    }
    if (ch === '\r') {
      continue;
    }
    if (ch === '\n') {
      line++;
      character = 1;
      if (depth === 0) {
        flush();
      } else {
        current += ' ';
        positions.push([line, 1]);
      }
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '(' || ch === '[') depth++;
    else if ((ch === ')' || ch === ']') && depth > 0) depth--;
    else if ((ch === '{' || ch === '}') && depth === 0) {
      // Braces are statements of their own so `model A {` and `}` are recognised on any line.
      flush();
      current = ch;
      positions = [[line, character]];
      flush();
      character++;
      continue;
    }
    current += ch;
    positions.push([line, character]);
    character++;
  }
  flush();
  return out;
}

/** Splits `@map("x") @default(now())` into attributes, respecting nesting and strings. */
export function parseAttributes(text: string, prefix: '@' | '@@'): SchemaAttribute[] {
  return attributesWithOffsets(text, prefix).map((a) => a.attribute);
}

function attributesWithOffsets(
  text: string,
  prefix: '@' | '@@',
): Array<{ attribute: SchemaAttribute; offset: number }> {
  const attrs: Array<{ attribute: SchemaAttribute; offset: number }> = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf(prefix, i);
    if (at < 0) break;
    if (prefix === '@' && text[at + 1] === '@') {
      i = at + 2;
      continue;
    }
    let j = at + prefix.length;
    const nameMatch = /^[A-Za-z_][\w.]*/.exec(text.slice(j));
    if (!nameMatch) {
      i = j;
      continue;
    }
    const name = nameMatch[0];
    j += name.length;
    let args: string | undefined;
    if (text[j] === '(') {
      const end = matchingParen(text, j);
      args = text.slice(j + 1, end).trim();
      j = end + 1;
    }
    attrs.push({ attribute: args === undefined ? { name } : { name, args }, offset: at });
    i = j;
  }
  return attrs;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return text.length;
}

/** First string literal argument of an attribute, e.g. `map("users")` → `users`, `map(name: "x")` → `x`. */
export function firstStringArg(args: string | undefined): string | undefined {
  if (args === undefined) return undefined;
  const m = /^(?:name\s*:\s*)?"((?:[^"\\]|\\.)*)"/.exec(args.trim());
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
}

function pos(file: string, l: LogicalLine, index: number): SourcePosition {
  const p = l.positions[index] ?? [l.line, l.character];
  return { file, line: p[0], character: p[1] };
}

/** Scans one schema file. Never throws: malformed input yields warnings and partial blocks. */
export function scanSchema(file: string, text: string): ScannedSchema {
  const lines = logicalLines(text);
  const blocks: SchemaBlock[] = [];
  const warnings: ScannedSchema['warnings'] = [];
  let current: SchemaBlock | undefined;
  let pendingHeader: { kind: SchemaBlockKind; name: string; line: LogicalLine; nameIndex: number } | undefined;

  for (const l of lines) {
    if (current === undefined) {
      if (l.text === '{') {
        if (pendingHeader) {
          current = newBlock(file, pendingHeader.kind, pendingHeader.name, pendingHeader.line, pendingHeader.nameIndex);
          pendingHeader = undefined;
        }
        continue;
      }
      const m = /^([A-Za-z]+)\s+([A-Za-z_][\w]*)\s*$/.exec(l.text);
      if (m && BLOCK_KEYWORDS.has(m[1] as SchemaBlockKind)) {
        pendingHeader = {
          kind: m[1] as SchemaBlockKind,
          name: m[2],
          line: l,
          nameIndex: l.text.indexOf(m[2], m[1].length),
        };
        continue;
      }
      if (l.text !== '}') {
        warnings.push({ message: `Unexpected text outside a block: ${truncate(l.text)}`, location: pos(file, l, 0) });
      }
      pendingHeader = undefined;
      continue;
    }
    if (l.text === '}') {
      current.endLine = l.line;
      current.closeBrace = pos(file, l, 0);
      current.closed = true;
      finishBlock(current);
      blocks.push(current);
      current = undefined;
      continue;
    }
    if (l.text === '{') {
      warnings.push({ message: 'Unexpected "{" inside a block', location: pos(file, l, 0) });
      continue;
    }
    addStatement(file, current, l, warnings);
  }
  if (current) {
    current.endLine = lines.length > 0 ? lines[lines.length - 1].line : current.start.line;
    finishBlock(current);
    blocks.push(current);
    warnings.push({ message: `Block ${current.kind} ${current.name} is not closed`, location: current.location });
  }
  return { file, blocks, warnings };
}

/** Where a block lies in its file's text, for code that rewrites the text around or inside blocks. */
export interface SchemaBlockSpan {
  block: SchemaBlock;
  /** Offset of the block keyword. */
  start: number;
  /** Offset just after the closing brace (the text's length when the block is not closed). */
  end: number;
}

/** The blocks of one schema text (of the given kinds, all when omitted) with their offsets, in file order. */
export function schemaBlockSpans(text: string, kinds?: readonly SchemaBlockKind[]): SchemaBlockSpan[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = (p: SourcePosition): number => (lineStarts[p.line - 1] ?? text.length) + p.character - 1;
  return scanSchema('', text)
    .blocks.filter((block) => !kinds || kinds.includes(block.kind))
    .map((block) => ({
      block,
      start: offset(block.start),
      end: block.closeBrace ? offset(block.closeBrace) + 1 : text.length,
    }));
}

/** The text of the `datasource` and `generator` blocks of a schema: what configures the engine, models aside. */
export function schemaConfigText(text: string): string {
  return schemaBlockSpans(text, ['datasource', 'generator'])
    .map((span) => text.slice(span.start, span.end))
    .join('\n');
}

function newBlock(file: string, kind: SchemaBlockKind, name: string, l: LogicalLine, nameIndex: number): SchemaBlock {
  return {
    kind,
    name,
    location: pos(file, l, nameIndex),
    start: pos(file, l, 0),
    endLine: l.line,
    closed: false,
    members: [],
    blockAttributes: [],
    assignments: [],
    dbName: name,
  };
}

function addStatement(file: string, block: SchemaBlock, l: LogicalLine, warnings: ScannedSchema['warnings']): void {
  if (l.text.startsWith('@@')) {
    block.blockAttributes.push(
      ...attributesWithOffsets(l.text, '@@').map(({ attribute, offset }) => ({
        ...attribute,
        location: pos(file, l, offset),
      })),
    );
    return;
  }
  if (block.kind === 'datasource' || block.kind === 'generator') {
    const m = /^([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(l.text);
    if (m) {
      const valueIndex = l.text.length - m[2].length;
      block.assignments.push({
        key: m[1],
        value: m[2].trim(),
        location: pos(file, l, 0),
        valueLocation: pos(file, l, valueIndex),
      });
    } else {
      warnings.push({
        message: `Unexpected text in ${block.kind} ${block.name}: ${truncate(l.text)}`,
        location: pos(file, l, 0),
      });
    }
    return;
  }
  if (block.kind === 'enum') {
    const m = /^([A-Za-z_][\w]*)(.*)$/.exec(l.text);
    if (!m) {
      warnings.push({
        message: `Unexpected text in enum ${block.name}: ${truncate(l.text)}`,
        location: pos(file, l, 0),
      });
      return;
    }
    const attributes = parseAttributes(m[2], '@');
    block.members.push({
      name: m[1],
      location: pos(file, l, 0),
      typeName: '',
      optional: false,
      list: false,
      attributes,
      dbName: firstStringArg(attributes.find((a) => a.name === 'map')?.args) ?? m[1],
    });
    return;
  }
  const m =
    /^([A-Za-z_][\w]*)\s+((?:Unsupported\s*\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))|[A-Za-z_][\w.]*)(\[\])?(\?)?(.*)$/.exec(
      l.text,
    );
  if (!m) {
    warnings.push({
      message: `Unexpected text in ${block.kind} ${block.name}: ${truncate(l.text)}`,
      location: pos(file, l, 0),
    });
    return;
  }
  const attributes = parseAttributes(m[5], '@');
  block.members.push({
    name: m[1],
    location: pos(file, l, 0),
    typeName: m[2],
    list: m[3] !== undefined,
    optional: m[4] !== undefined,
    attributes,
    dbName: firstStringArg(attributes.find((a) => a.name === 'map')?.args) ?? m[1],
  });
}

function finishBlock(block: SchemaBlock): void {
  const map = block.blockAttributes.find((a) => a.name === 'map');
  block.dbName = firstStringArg(map?.args) ?? block.name;
  const schema = firstStringArg(block.blockAttributes.find((a) => a.name === 'schema')?.args);
  if (schema !== undefined) block.dbSchema = schema;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** Index over several scanned files (multi-file schemas): models and enums by schema and database name. */
export class SchemaIndex {
  readonly blocks: SchemaBlock[];

  constructor(files: ScannedSchema[]) {
    this.blocks = files.flatMap((f) => f.blocks);
  }

  // Built once: attribution looks up one model per drift item (thousands on a large schema).
  private modelList: SchemaBlock[] | undefined;
  private enumList: SchemaBlock[] | undefined;
  private modelNames: Set<string> | undefined;
  private byDbName = new Map<string, Map<string, SchemaBlock[]>>();

  get models(): SchemaBlock[] {
    this.modelList ??= this.blocks.filter((b) => b.kind === 'model' || b.kind === 'view');
    return this.modelList;
  }

  get enums(): SchemaBlock[] {
    this.enumList ??= this.blocks.filter((b) => b.kind === 'enum');
    return this.enumList;
  }

  get datasources(): SchemaBlock[] {
    return this.blocks.filter((b) => b.kind === 'datasource');
  }

  /** The model whose table is `table` (in `schema` when given and the model declares one). */
  modelForTable(table: string, schema?: string): SchemaBlock | undefined {
    return this.findByDbName(this.models, table, schema);
  }

  enumForType(name: string, schema?: string): SchemaBlock | undefined {
    return this.findByDbName(this.enums, name, schema);
  }

  /** A model's field whose column is `column` (relation fields have no column and are skipped). */
  fieldForColumn(model: SchemaBlock, column: string): SchemaMember | undefined {
    this.modelNames ??= new Set(this.models.map((m) => m.name));
    const modelNames = this.modelNames;
    return model.members.find((f) => f.dbName === column && !modelNames.has(f.typeName));
  }

  /**
   * Where a model declares the index or key `name` of its table (`columns`: the database columns, when
   * known): the `@@index`/`@@unique`/`@@id` attribute, or the field's `@unique`/`@id`, matched by `map:`,
   * by the name Prisma derives (`User_email_key`, `User_a_b_idx`, `User_pkey`), else by the columns.
   */
  keyLocation(
    model: SchemaBlock,
    kind: 'index' | 'primaryKey',
    name: string | undefined,
    columns?: readonly string[],
  ): SourcePosition | undefined {
    const table = model.dbName;
    const columnOf = (field: string): string => model.members.find((m) => m.name === field)?.dbName ?? field;
    const blockKinds = kind === 'primaryKey' ? ['id'] : ['index', 'unique', 'fulltext'];
    const candidates = model.blockAttributes.filter((a) => blockKinds.includes(a.name) && a.location !== undefined);
    const fieldsOf = (a: SchemaAttribute): string[] => {
      const list = /^\s*(?:fields\s*:\s*)?\[([^\]]*)\]/.exec(a.args ?? '')?.[1] ?? '';
      return list
        .split(',')
        .map((f) => f.trim().replace(/\(.*$/s, '').trim())
        .filter(Boolean)
        .map(columnOf);
    };
    const derived = (a: SchemaAttribute): string =>
      `${table}_${fieldsOf(a).join('_')}_${a.name === 'id' ? 'pkey' : a.name === 'unique' ? 'key' : 'idx'}`.slice(
        0,
        63,
      );
    if (name !== undefined) {
      const byMap = candidates.find((a) => /\bmap\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(a.args ?? '')?.[1] === name);
      if (byMap) return byMap.location;
      const byDerived = candidates.find(
        (a) => (kind === 'primaryKey' ? `${table}_pkey`.slice(0, 63) : derived(a)) === name,
      );
      if (byDerived) return byDerived.location;
    }
    const fieldAttribute = kind === 'primaryKey' ? 'id' : 'unique';
    for (const member of model.members) {
      const attribute = member.attributes.find((a) => a.name === fieldAttribute);
      if (!attribute) continue;
      const mapped = /\bmap\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(attribute.args ?? '')?.[1];
      const expected =
        mapped ?? (kind === 'primaryKey' ? `${table}_pkey` : `${table}_${member.dbName}_key`).slice(0, 63);
      if (name !== undefined && expected === name) return member.location;
      if (name === undefined && columns?.length === 1 && columns[0] === member.dbName) return member.location;
    }
    if (columns && columns.length > 0) {
      const same = candidates.filter((a) => fieldsOf(a).join('\0') === columns.join('\0'));
      if (same.length === 1) return same[0].location;
    }
    return undefined;
  }

  private findByDbName(candidates: SchemaBlock[], name: string, schema?: string): SchemaBlock | undefined {
    const key = candidates === this.models ? 'model' : candidates === this.enums ? 'enum' : undefined;
    let table = key ? this.byDbName.get(key) : undefined;
    if (key && !table) {
      table = new Map();
      for (const b of candidates) table.set(b.dbName, [...(table.get(b.dbName) ?? []), b]);
      this.byDbName.set(key, table);
    }
    const matches = table ? (table.get(name) ?? []) : candidates.filter((b) => b.dbName === name);
    if (matches.length <= 1 || schema === undefined) return matches[0];
    return matches.find((b) => (b.dbSchema ?? 'public') === schema) ?? matches[0];
  }
}
