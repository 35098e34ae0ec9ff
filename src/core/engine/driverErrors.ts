import { DriverAdapterError, type Error as AdapterError } from '@prisma/driver-adapter-utils';

interface PgLikeError {
  code?: string;
  message?: string;
  severity?: string;
  detail?: string;
  column?: string;
  hint?: string;
  address?: string;
  port?: number;
}

/**
 * Converts a `pg` / PGlite error into the error shape the schema engine understands, so the
 * engine reports it with its own Prisma code (P1000, P1001, P1003, P3018 …) and the PostgreSQL
 * code and message stay visible.
 */
export function toAdapterError(error: unknown): DriverAdapterError {
  if (error instanceof DriverAdapterError) return error;
  const e = (error ?? {}) as PgLikeError;
  let mapped: AdapterError;
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      mapped = { kind: 'DatabaseNotReachable', host: e.address, port: e.port };
      break;
    case 'ECONNRESET':
      mapped = { kind: 'ConnectionClosed' };
      break;
    case '28P01':
    case '28000':
      mapped = { kind: 'AuthenticationFailed' };
      break;
    case '3D000':
      mapped = { kind: 'DatabaseDoesNotExist' };
      break;
    case '42P04':
      mapped = { kind: 'DatabaseAlreadyExists' };
      break;
    case '53300':
      mapped = { kind: 'TooManyConnections', cause: e.message ?? '' };
      break;
    default:
      mapped = {
        kind: 'postgres',
        code: e.code ?? 'XX000',
        severity: e.severity ?? 'ERROR',
        message: e.message ?? String(error),
        detail: e.detail,
        column: e.column,
        hint: e.hint,
      };
  }
  return new DriverAdapterError({ ...mapped, originalCode: e.code, originalMessage: e.message });
}
