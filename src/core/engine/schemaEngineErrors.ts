import * as l10n from '@vscode/l10n';
import { type SourcePosition } from '../project/types';
import { EngineError } from './engineError';

interface RawEngineError {
  name?: string;
  code?: string;
  message?: string;
}

/** Drops engine backtrace frames (`   0: schema_engine_wasm::…` / `at schema-engine/…`) and blank runs. */
function cleanMessage(message: string): string {
  return message
    .split('\n')
    .filter(
      (line) =>
        !/^\s+\d+: \S+::/.test(line) && !/^\s+at \S+\.rs:\d+/.test(line) && !/^\s+at .*\.(?:js|rs):\d+/.test(line),
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** `-->  /path/schema.prisma:6` → position (first one). */
function schemaLocation(message: string, files: readonly string[]): SourcePosition | undefined {
  const match = /-->\s+(.+?):(\d+)\s*$/m.exec(message);
  if (!match) return undefined;
  const file = files.find((f) => f === match[1]) ?? files.find((f) => f.endsWith(match[1])) ?? match[1];
  return { file, line: Number(match[2]), character: 1 };
}

/**
 * Converts whatever the schema engine threw into an {@link EngineError} with one clear message:
 * invalid schema (with the first error's location), migration failures (with the migration and
 * the database error), connection problems, and anything else as `engine-error` — never a stack.
 */
export function fromEngineError(
  error: unknown,
  context: { schemaFiles?: readonly string[]; what: string },
): EngineError {
  if (error instanceof EngineError) return error;
  const raw = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as RawEngineError;
  const text = cleanMessage(raw.message ?? String(error));
  const code = raw.code;
  const detail = text;
  if (code === 'P1012' || /^error: /m.test(text)) {
    const errors = text.split(/\n(?=error: )/).filter((part) => part.startsWith('error: '));
    const first = (errors[0] ?? text).replace(/^error: /, '');
    const headline = first.split('\n')[0].replace(/^Error validating:\s*/, '');
    const location = schemaLocation(first, context.schemaFiles ?? []);
    const where = location ? ` (${location.file}:${location.line})` : '';
    const more = errors.length > 1 ? ` — ${l10n.t('and {0} more error(s)', errors.length - 1)}` : '';
    return new EngineError({
      code: 'invalid-schema',
      prismaCode: code ?? 'P1012',
      message: `${l10n.t('Invalid Prisma schema')}${where}: ${headline}${more}`,
      location,
      detail,
    });
  }
  const migration = /Migration `([^`]+)` failed/.exec(text)?.[1] ?? /Migration name: (\S+)/.exec(text)?.[1];
  if (code === 'P3006' || code === 'P3018' || migration) {
    const dbError =
      /Database error:\s*\n?([\s\S]*?)(?:\n\n|$)/.exec(text)?.[1] ??
      text
        .split('\n')
        .filter((l) => l.trim() && !/failed to apply|^Error:$|external connector error/.test(l))
        .join(' ');
    return new EngineError({
      code: 'migration-failed',
      prismaCode: code,
      migration,
      message:
        code === 'P3018'
          ? l10n.t(
              'Migration {0} failed on the database during {1}: {2}',
              migration ?? l10n.t('(unknown)'),
              context.what,
              dbError.trim(),
            )
          : l10n.t(
              'Migration {0} failed on the shadow database during {1}: {2}',
              migration ?? l10n.t('(unknown)'),
              context.what,
              dbError.trim(),
            ),
      detail,
    });
  }
  switch (code) {
    case 'P1000':
      return new EngineError({
        code: 'authentication-failed',
        prismaCode: code,
        message: l10n.t('Authentication failed during {0}: check the user and password in the URL.', context.what),
        detail,
      });
    case 'P1001':
      return new EngineError({
        code: 'database-unreachable',
        prismaCode: code,
        message: l10n.t('Cannot reach the database server during {0}.', context.what),
        detail,
      });
    case 'P1003':
      return new EngineError({
        code: 'database-not-found',
        prismaCode: code,
        message: l10n.t('The database does not exist ({0}).', context.what),
        detail,
      });
    case 'P1010':
      return new EngineError({
        code: 'permission-denied',
        prismaCode: code,
        message: l10n.t('Access denied during {0}: {1}', context.what, firstLine(text)),
        detail,
      });
    default:
      break;
  }
  if (/Authentication failed/i.test(text)) {
    return new EngineError({
      code: 'authentication-failed',
      message: l10n.t('Authentication failed during {0}: check the user and password in the URL.', context.what),
      detail,
    });
  }
  if (/not reachable|Can't reach|ECONNREFUSED/i.test(text)) {
    return new EngineError({
      code: 'database-unreachable',
      message: l10n.t('Cannot reach the database server during {0}.', context.what),
      detail,
    });
  }
  const prefix = code ? `${code}: ` : '';
  return new EngineError({
    code: 'engine-error',
    prismaCode: code,
    message: l10n.t('The schema engine failed during {0}: {1}', context.what, `${prefix}${firstLine(text)}`),
    detail,
  });
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim().length > 0)
      ?.trim() ?? text
  );
}
