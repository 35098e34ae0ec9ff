/**
 * The order Prisma applies migrations in. Its CLI sorts the folder names with `localeCompare`
 * (not byte order), so `20260214_fix` comes before `20260214120000_x`; we must agree with it, or a
 * fresh database would be migrated in another order than the one we analyse.
 */
export function compareMigrationNames(a: string, b: string): number {
  return a.localeCompare(b);
}
