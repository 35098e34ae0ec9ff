import { type ColumnType, ColumnTypeEnum } from '@prisma/driver-adapter-utils';

/**
 * Conversion of PostgreSQL text-format values into what Prisma's schema engine accepts from a
 * driver adapter. Both of our adapters (over `pg` and over PGlite) ask their driver for raw text
 * and go through this module, so every type the engine reads — catalog types included (`"char"`,
 * `name`, `oid`, `regclass`, arrays…) — is handled once, in one place.
 */

/** A value as the engine's JS→Rust conversion expects it for the matching {@link ColumnType}. */
export type EngineValue = unknown;

type Converter = (text: string) => EngineValue;

interface TypeMapping {
  columnType: ColumnType;
  convert: Converter;
}

const asText: Converter = (text) => text;
const asInt: Converter = (text) => Number.parseInt(text, 10);
const asFloat: Converter = (text) => {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return Number.parseFloat(text);
  }
};
const asBool: Converter = (text) => text === 't' || text === 'true';
const asJson: Converter = (text) => JSON.parse(text) as unknown;
// `$1,234.56` with the default lc_monetary; the engine wants a plain decimal string.
const asMoney: Converter = (text) => text.replace(/[^0-9.-]/g, '');
// TIMETZ `10:00:00+02` → `10:00:00` (quaint assumes UTC for times, as its native driver does).
const asTime: Converter = (text) => text.replace(/[+-]\d{2}(:?\d{2}){0,2}$/, '');

/**
 * `2026-02-17 10:00:00.123456+00` (or `+05:30`, `-03`) → RFC 3339 with a full offset, which the
 * engine parses without losing microseconds. Timestamps without a zone are already in the
 * `%Y-%m-%d %H:%M:%S%.f` form the engine reads first.
 */
export const normalizeTimestamptz: Converter = (text) => {
  const match = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(
    text,
  );
  if (!match) return text; // infinity / -infinity / BC dates: leave as text
  const [, date, time, hours, minutes] = match;
  return `${date}T${time}${hours}:${minutes ?? '00'}`;
};

/** `\x0a0b…` (hex output, the default since PostgreSQL 9.0) or the legacy escape format → bytes. */
export function parseBytea(text: string): number[] {
  if (text.startsWith('\\x')) {
    const bytes: number[] = [];
    for (let i = 2; i + 1 < text.length; i += 2) bytes.push(Number.parseInt(text.slice(i, i + 2), 16));
    return bytes;
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      if (text[i + 1] === '\\') {
        bytes.push(0x5c);
        i++;
      } else {
        bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return bytes;
}

const SCALARS: Record<number, TypeMapping> = {
  16: { columnType: ColumnTypeEnum.Boolean, convert: asBool },
  17: { columnType: ColumnTypeEnum.Bytes, convert: parseBytea },
  // Internal single-byte `"char"` (pg_class.relkind, pg_constraint.contype, pg_attribute.attidentity…).
  18: { columnType: ColumnTypeEnum.Character, convert: asText },
  19: { columnType: ColumnTypeEnum.Text, convert: asText }, // name
  20: { columnType: ColumnTypeEnum.Int64, convert: asText }, // int8, kept as a string: no precision loss
  21: { columnType: ColumnTypeEnum.Int32, convert: asInt }, // int2
  22: { columnType: ColumnTypeEnum.Text, convert: asText }, // int2vector
  23: { columnType: ColumnTypeEnum.Int32, convert: asInt }, // int4
  24: { columnType: ColumnTypeEnum.Text, convert: asText }, // regproc
  25: { columnType: ColumnTypeEnum.Text, convert: asText }, // text
  26: { columnType: ColumnTypeEnum.Int64, convert: asText }, // oid
  27: { columnType: ColumnTypeEnum.Text, convert: asText }, // tid
  28: { columnType: ColumnTypeEnum.Int64, convert: asText }, // xid
  29: { columnType: ColumnTypeEnum.Int64, convert: asText }, // cid
  30: { columnType: ColumnTypeEnum.Text, convert: asText }, // oidvector
  114: { columnType: ColumnTypeEnum.Json, convert: asJson },
  142: { columnType: ColumnTypeEnum.Text, convert: asText }, // xml
  194: { columnType: ColumnTypeEnum.Text, convert: asText }, // pg_node_tree
  650: { columnType: ColumnTypeEnum.Text, convert: asText }, // cidr
  700: { columnType: ColumnTypeEnum.Float, convert: asFloat },
  701: { columnType: ColumnTypeEnum.Double, convert: asFloat },
  705: { columnType: ColumnTypeEnum.Text, convert: asText }, // unknown (untyped literals)
  774: { columnType: ColumnTypeEnum.Text, convert: asText }, // macaddr8
  790: { columnType: ColumnTypeEnum.Numeric, convert: asMoney },
  829: { columnType: ColumnTypeEnum.Text, convert: asText }, // macaddr
  869: { columnType: ColumnTypeEnum.Text, convert: asText }, // inet
  1033: { columnType: ColumnTypeEnum.Text, convert: asText }, // aclitem
  1042: { columnType: ColumnTypeEnum.Text, convert: asText }, // bpchar
  1043: { columnType: ColumnTypeEnum.Text, convert: asText }, // varchar
  1082: { columnType: ColumnTypeEnum.Date, convert: asText },
  1083: { columnType: ColumnTypeEnum.Time, convert: asText },
  1114: { columnType: ColumnTypeEnum.DateTime, convert: asText },
  1184: { columnType: ColumnTypeEnum.DateTime, convert: normalizeTimestamptz },
  1186: { columnType: ColumnTypeEnum.Text, convert: asText }, // interval
  1266: { columnType: ColumnTypeEnum.Time, convert: asTime },
  1560: { columnType: ColumnTypeEnum.Text, convert: asText }, // bit
  1562: { columnType: ColumnTypeEnum.Text, convert: asText }, // varbit
  1700: { columnType: ColumnTypeEnum.Numeric, convert: asText },
  2950: { columnType: ColumnTypeEnum.Uuid, convert: asText },
  3802: { columnType: ColumnTypeEnum.Json, convert: asJson },
};

// reg* types print as names; many catalog helpers return them.
for (const oid of [2202, 2203, 2204, 2205, 2206, 3734, 3769, 4089, 4096, 4191]) {
  SCALARS[oid] = { columnType: ColumnTypeEnum.Text, convert: asText };
}

/** Array OID → OID of its element type. */
const ARRAY_ELEMENTS: Record<number, number> = {
  143: 142,
  199: 114,
  651: 650,
  775: 774,
  791: 790,
  1000: 16,
  1001: 17,
  1002: 18,
  1003: 19,
  1005: 21,
  1006: 22,
  1007: 23,
  1008: 24,
  1009: 25,
  1010: 27,
  1011: 28,
  1012: 29,
  1013: 30,
  1014: 1042,
  1015: 1043,
  1016: 20,
  1021: 700,
  1022: 701,
  1028: 26,
  1034: 1033,
  1040: 829,
  1041: 869,
  1115: 1114,
  1182: 1082,
  1183: 1083,
  1185: 1184,
  1187: 1186,
  1231: 1700,
  1270: 1266,
  1561: 1560,
  1563: 1562,
  2207: 2202,
  2208: 2203,
  2209: 2204,
  2210: 2205,
  2211: 2206,
  2951: 2950,
  3807: 3802,
  4090: 4089,
  4097: 4096,
};

const ARRAY_COLUMN_TYPE: Partial<Record<ColumnType, ColumnType>> = {
  [ColumnTypeEnum.Int32]: ColumnTypeEnum.Int32Array,
  [ColumnTypeEnum.Int64]: ColumnTypeEnum.Int64Array,
  [ColumnTypeEnum.Float]: ColumnTypeEnum.FloatArray,
  [ColumnTypeEnum.Double]: ColumnTypeEnum.DoubleArray,
  [ColumnTypeEnum.Numeric]: ColumnTypeEnum.NumericArray,
  [ColumnTypeEnum.Boolean]: ColumnTypeEnum.BooleanArray,
  [ColumnTypeEnum.Character]: ColumnTypeEnum.CharacterArray,
  [ColumnTypeEnum.Text]: ColumnTypeEnum.TextArray,
  [ColumnTypeEnum.Date]: ColumnTypeEnum.DateArray,
  [ColumnTypeEnum.Time]: ColumnTypeEnum.TimeArray,
  [ColumnTypeEnum.DateTime]: ColumnTypeEnum.DateTimeArray,
  [ColumnTypeEnum.Json]: ColumnTypeEnum.JsonArray,
  [ColumnTypeEnum.Bytes]: ColumnTypeEnum.BytesArray,
  [ColumnTypeEnum.Uuid]: ColumnTypeEnum.UuidArray,
};

/**
 * Parses a PostgreSQL array literal (`{a,"b c",NULL,{1,2}}`, optionally prefixed by explicit
 * bounds such as `[0:1]=`). Unquoted `NULL` is SQL NULL; elements go through `element`.
 */
export function parsePgArray(text: string, element: Converter = asText): EngineValue[] {
  let i = 0;
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    i = eq >= 0 ? eq + 1 : 0;
  }
  const parseLevel = (): EngineValue[] => {
    const out: EngineValue[] = [];
    if (text[i] !== '{') throw new Error(`Malformed PostgreSQL array literal: ${text}`);
    i++;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '}') {
        i++;
        return out;
      }
      if (ch === ',') {
        i++;
        continue;
      }
      if (ch === '{') {
        out.push(parseLevel());
        continue;
      }
      if (ch === '"') {
        i++;
        let value = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          value += text[i];
          i++;
        }
        i++; // closing quote
        out.push(element(value));
        continue;
      }
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
      const raw = text.slice(i, end).trim();
      i = end;
      out.push(raw === 'NULL' ? null : element(raw));
    }
    throw new Error(`Unterminated PostgreSQL array literal: ${text}`);
  };
  return parseLevel();
}

const fallback: TypeMapping = { columnType: ColumnTypeEnum.Text, convert: asText };

/**
 * How a column of the given type OID is described to the engine and how its text values are
 * converted. Unknown types (user enums, domains, extension types, anything we did not list)
 * are passed as text: the engine reads them as strings, never fails on an unmapped OID.
 */
export function pgTypeMapping(oid: number): TypeMapping {
  const scalar = SCALARS[oid];
  if (scalar) return scalar;
  const elementOid = ARRAY_ELEMENTS[oid];
  if (elementOid !== undefined) {
    const element = SCALARS[elementOid] ?? fallback;
    const columnType = ARRAY_COLUMN_TYPE[element.columnType] ?? ColumnTypeEnum.TextArray;
    const convert = ARRAY_COLUMN_TYPE[element.columnType] ? element.convert : asText;
    return { columnType, convert: (text) => parsePgArray(text, convert) };
  }
  return fallback;
}

/** Converts one row of raw text values (`null` for SQL NULL) with the given per-column mappings. */
export function convertRow(row: ReadonlyArray<unknown>, mappings: ReadonlyArray<TypeMapping>): EngineValue[] {
  return row.map((value, index) => {
    if (value === null || value === undefined) return null;
    const text =
      typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value);
    return mappings[index].convert(text);
  });
}
