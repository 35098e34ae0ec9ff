import * as l10n from '@vscode/l10n';
import { type SourcePosition } from '../project/types';
import { DriftGuardError } from '../util/errors';
import { describePgUrl, tryParsePostgresUrl } from '../util/pgUrl';

/** Stable machine-readable kinds of engine failures. Each comes with one clear message. */
export type EngineErrorCode =
  /** The datasource provider is not PostgreSQL. */
  | 'unsupported-provider'
  /** The schema has no datasource block. */
  | 'no-datasource'
  /** The engine rejected the schema (P1012 and friends); `location` points at the first error. */
  | 'invalid-schema'
  /** `migration_lock.toml` is missing. */
  | 'missing-lock-file'
  /** The migrations folder does not exist. */
  | 'missing-migrations-folder'
  /** A migration folder has no readable `migration.sql`. */
  | 'unreadable-migration'
  /** A migration failed when applied to the shadow database; `migration` names it. */
  | 'migration-failed'
  /** A migration needs a PostgreSQL extension the embedded shadow does not ship. */
  | 'extension-unavailable'
  /** Host unreachable, connection refused, DNS failure. */
  | 'database-unreachable'
  /** Wrong user or password. */
  | 'authentication-failed'
  /** The database named in the URL does not exist. */
  | 'database-not-found'
  /** The user may not create the shadow database, or read/write something it needs. */
  | 'permission-denied'
  /** The URL cannot be parsed. */
  | 'invalid-url'
  /** A call took longer than its limit; the engine was abandoned. */
  | 'timeout'
  /** The caller cancelled the call (a Cancel button, Ctrl-C); what it ran on a server was stopped. */
  | 'cancelled'
  /** The engine worker process died. */
  | 'worker-crashed'
  /** A shadow database URL designates a checked database, or a database that is not a shadow (see `shadowRefusal`). */
  | 'shadow-refused'
  /** A baseline/resolve was refused (see the message for what is missing). */
  | 'refused'
  /** A migration name given by the user does not exist locally. */
  | 'unknown-migration'
  /** Target already exists (never overwritten). */
  | 'already-exists'
  /** A call was made with missing or contradictory arguments. */
  | 'invalid-argument'
  /** Any other error reported by the schema engine. */
  | 'engine-error';

/** Plain-data form of an {@link EngineError}, as sent between the worker and the extension. */
export interface EngineErrorData {
  code: EngineErrorCode;
  message: string;
  /** Prisma error code when the engine gave one (e.g. `P1012`, `P3006`, `P3018`). */
  prismaCode?: string;
  /** Where to show the error: schema line for invalid schemas, migration line when known. */
  location?: SourcePosition;
  /** Migration concerned, when there is one. */
  migration?: string;
  /** Extra detail for logs (engine message, PostgreSQL error), never a stack trace. */
  detail?: string;
  /** For `shadow-refused`: which rule refused which shadow (the extension words it in the user's language). */
  shadowRefusal?: ShadowRefusal;
}

/** Why a shadow database was refused, as plain data. */
export interface ShadowRefusal {
  rule: 'same-database' | 'migrations-table' | 'foreign-objects';
  /** The shadow URL, password masked. */
  shadow: string;
  /** For `same-database`: the database it designates, e.g. `--url (postgresql://app:****@localhost/app)`. */
  other?: string;
  /** For the content rules: the objects found (at most five, `schema.name (kind)`). */
  objects?: string[];
}

/** The one error type the engine layer throws: a code, one clear message, optional location. */
export class EngineError extends DriftGuardError<EngineErrorCode> implements EngineErrorData {
  override readonly name = 'EngineError';
  readonly prismaCode?: string;
  readonly location?: SourcePosition;
  readonly migration?: string;
  readonly detail?: string;
  readonly shadowRefusal?: ShadowRefusal;

  constructor(data: EngineErrorData) {
    super(data.code, data.message);
    this.prismaCode = data.prismaCode;
    this.location = data.location;
    this.migration = data.migration;
    this.detail = data.detail;
    this.shadowRefusal = data.shadowRefusal;
  }

  /** Plain data (no stack) for messages and JSON output. */
  toData(): EngineErrorData {
    const data: EngineErrorData = { code: this.code, message: this.message };
    if (this.prismaCode) data.prismaCode = this.prismaCode;
    if (this.location) data.location = this.location;
    if (this.migration) data.migration = this.migration;
    if (this.detail) data.detail = this.detail;
    if (this.shadowRefusal) data.shadowRefusal = this.shadowRefusal;
    return data;
  }

  static fromData(data: EngineErrorData): EngineError {
    return new EngineError(data);
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError;
}

/** `host:port/database` of a URL for messages (no user, no password). */
export function describeUrl(url: string): string {
  return describePgUrl(url);
}

interface PgLikeError {
  code?: string;
  errno?: number;
  message?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

/**
 * Maps an error from `pg` (or a socket error) to an {@link EngineError} about a connection to
 * `url`. Used where we connect ourselves (history reads, shadow database management).
 */
export function connectionError(error: unknown, url: string, purpose: string): EngineError {
  const e = (error ?? {}) as PgLikeError;
  const where = describeUrl(url);
  // An unparseable URL keeps the message generic.
  const user = tryParsePostgresUrl(url)?.user ?? '';
  const detail = e.message;
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return new EngineError({
        code: 'database-unreachable',
        message: l10n.t('Cannot reach the database at {0} ({1}) while {2}.', where, e.code, purpose),
        detail,
      });
    case '28P01':
    case '28000':
      return new EngineError({
        code: 'authentication-failed',
        message: l10n.t(
          'Authentication failed for user "{0}" on {1} while {2}: check the password in the URL.',
          user,
          where,
          purpose,
        ),
        detail,
      });
    case '3D000':
      return new EngineError({
        code: 'database-not-found',
        message: l10n.t('Database {0} does not exist ({1}).', where, purpose),
        detail,
      });
    case '42501':
      return new EngineError({
        code: 'permission-denied',
        message: l10n.t('Permission denied on {0} while {1}: {2}', where, purpose, e.message ?? '').trim(),
        detail,
      });
    default:
      if (e.message && /timeout|timed out/i.test(e.message)) {
        return new EngineError({
          code: 'database-unreachable',
          message: l10n.t('Connection to {0} timed out while {1}.', where, purpose),
          detail,
        });
      }
      return new EngineError({
        code: 'engine-error',
        message: l10n.t('Database error on {0} while {1}: {2}', where, purpose, e.message ?? String(error)),
        detail,
      });
  }
}
