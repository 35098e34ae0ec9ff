/**
 * The demo project's databases (`demo/`, "Nexus Réussite"), shared by `npm start` (the demo databases on the
 * embedded PostgreSQL, src/core/app/demoDatabases.ts) and every test tier (test/fixtures/demoDatabase.ts).
 *
 * The story (see `demo/README.md`): ten migrations were applied to production with
 * `prisma migrate deploy`, the three `20260214_*` ones in the order fix → init → add (not their
 * name order), and then the invoicing tables and three `users` columns were added with
 * `prisma db push`, so they exist in the database but in no migration.
 *
 * Each migration script goes to PostgreSQL whole (simple query protocol), as `psql -f` or Prisma's own engine
 * would: the demo's migrations contain `DO $$ … $$` blocks, a PL/pgSQL function body and `;` inside string
 * literals. `_prisma_migrations` is created with Prisma's exact DDL and filled the way `migrate deploy` fills it.
 */
import * as l10n from '@vscode/l10n';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { migrationChecksum } from '../history/checksums';

/** What the demo databases are written through: a `pg.Client` (its `query` without values = simple protocol). */
export interface DemoSqlClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** The ten demo migrations in the order production applied them (their `_prisma_migrations` order). */
export const DEMO_MIGRATIONS_PRODUCTION_ORDER: readonly string[] = Object.freeze([
  '20260127_init',
  '20260128_add_aria_conversations',
  '20260129_add_badges_and_reports',
  '20260130_add_subscription_requests_and_notifications',
  '20260131_add_session_booking_system',
  '20260201201415_add_session_overlap_prevention',
  '20260201201534_add_credit_transaction_idempotency',
  '20260214_fix_cascade_constraints',
  '20260214_init_assessment_module',
  '20260214_add_diagnostics_v2_columns',
]);

/**
 * The same migrations in folder-name order, the order `prisma migrate deploy` uses on a fresh
 * database. The last three differ from production: an ordering hazard.
 */
export const DEMO_MIGRATIONS_NAME_ORDER: readonly string[] = Object.freeze(
  [...DEMO_MIGRATIONS_PRODUCTION_ORDER].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
);

/** The baseline migration the team's runbook creates (Étape 2 of strategie-migrations.md). */
export const DEMO_BASELINE_NAME = '20260217_baseline_invoicing_and_drift';

/** When and for how long each migration ran in production (UTC). Fixed so that tests are stable. */
const PRODUCTION_TIMELINE: Readonly<Record<string, { startedAt: string; durationMs: number }>> = {
  '20260127_init': { startedAt: '2026-01-27T08:42:11.204Z', durationMs: 212 },
  '20260128_add_aria_conversations': { startedAt: '2026-01-28T19:05:33.870Z', durationMs: 48 },
  '20260129_add_badges_and_reports': { startedAt: '2026-01-29T21:17:02.115Z', durationMs: 61 },
  '20260130_add_subscription_requests_and_notifications': { startedAt: '2026-01-30T18:48:40.532Z', durationMs: 57 },
  '20260131_add_session_booking_system': { startedAt: '2026-01-31T22:10:09.341Z', durationMs: 83 },
  '20260201201415_add_session_overlap_prevention': { startedAt: '2026-02-01T20:21:47.908Z', durationMs: 131 },
  '20260201201534_add_credit_transaction_idempotency': { startedAt: '2026-02-01T20:21:48.071Z', durationMs: 96 },
  '20260214_fix_cascade_constraints': { startedAt: '2026-02-14T10:03:26.450Z', durationMs: 44 },
  '20260214_init_assessment_module': { startedAt: '2026-02-14T16:37:58.019Z', durationMs: 52 },
  '20260214_add_diagnostics_v2_columns': { startedAt: '2026-02-15T09:12:44.783Z', durationMs: 39 },
};

/**
 * What `prisma db push` created on production and no migration contains: exactly the SQL that
 * `prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma --script`
 * prints for the demo (checked against Prisma's schema engine), i.e. the content of the baseline.
 */
export const DEMO_DRIFT_SQL = `-- CreateEnum
CREATE TYPE "InvoiceStatus" AS ENUM ('DRAFT', 'SENT', 'PAID', 'CANCELLED');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "activatedAt" TIMESTAMP(3),
ADD COLUMN     "activationExpiry" TIMESTAMP(3),
ADD COLUMN     "activationToken" TEXT;

-- CreateTable
CREATE TABLE "invoices" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "status" "InvoiceStatus" NOT NULL DEFAULT 'DRAFT',
    "customer_id" TEXT,
    "customer_name" TEXT NOT NULL,
    "customer_email" TEXT,
    "customer_address" TEXT,
    "payment_id" TEXT,
    "currency" TEXT NOT NULL DEFAULT 'TND',
    "subtotal_millimes" INTEGER NOT NULL,
    "tax_rate_bps" INTEGER NOT NULL DEFAULT 1900,
    "tax_millimes" INTEGER NOT NULL,
    "total_millimes" INTEGER NOT NULL,
    "issued_at" TIMESTAMP(3),
    "due_at" TIMESTAMP(3),
    "paid_at" TIMESTAMP(3),
    "cancelled_at" TIMESTAMP(3),
    "pdf_path" TEXT,
    "notes" TEXT,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_items" (
    "id" TEXT NOT NULL,
    "invoice_id" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "description" TEXT,
    "quantity" INTEGER NOT NULL DEFAULT 1,
    "unit_price_millimes" INTEGER NOT NULL,
    "total_millimes" INTEGER NOT NULL,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invoice_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_sequences" (
    "year" INTEGER NOT NULL,
    "prefix" TEXT NOT NULL DEFAULT 'NR',
    "current" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "invoice_sequences_pkey" PRIMARY KEY ("year")
);

-- CreateIndex
CREATE UNIQUE INDEX "invoices_number_key" ON "invoices"("number");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_payment_id_key" ON "invoices"("payment_id");

-- CreateIndex
CREATE INDEX "invoices_status_issued_at_idx" ON "invoices"("status", "issued_at");

-- CreateIndex
CREATE INDEX "invoices_customer_id_idx" ON "invoices"("customer_id");

-- CreateIndex
CREATE INDEX "invoice_items_invoice_id_idx" ON "invoice_items"("invoice_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_activationToken_key" ON "users"("activationToken");

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_items" ADD CONSTRAINT "invoice_items_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

/** The drift of the demo, object by object (database names; schema names in comments of schema.prisma). */
export const DEMO_DRIFT = Object.freeze({
  enums: ['InvoiceStatus'],
  tables: ['invoices', 'invoice_items', 'invoice_sequences'],
  /** Columns added to tables that migrations already create. */
  columns: [
    { table: 'users', column: 'activatedAt', model: 'User', field: 'activatedAt' },
    { table: 'users', column: 'activationExpiry', model: 'User', field: 'activationExpiry' },
    { table: 'users', column: 'activationToken', model: 'User', field: 'activationToken' },
  ],
  indexes: [
    'invoices_number_key',
    'invoices_payment_id_key',
    'invoices_status_issued_at_idx',
    'invoices_customer_id_idx',
    'invoice_items_invoice_id_idx',
    'users_activationToken_key',
  ],
  foreignKeys: ['invoices_customer_id_fkey', 'invoices_payment_id_fkey', 'invoice_items_invoice_id_fkey'],
  models: { invoices: 'Invoice', invoice_items: 'InvoiceItem', invoice_sequences: 'InvoiceSequence' },
});

/** `_prisma_migrations` exactly as Prisma's schema engine creates it on PostgreSQL. */
export const PRISMA_MIGRATIONS_TABLE_DDL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

/** A few rows in the tables the migrations create, as a small production would have. */
export const DEMO_HISTORY_DATA_SQL = `
INSERT INTO "users" ("id", "email", "password", "role", "firstName", "lastName", "phone", "createdAt", "updatedAt") VALUES
  ('cm6fz1k3a0000qv08adm1n001', 'direction@nexusreussite.academy', '$2b$12$Qm9Ck0yJq3b7n1hXo2m9ReQ1qkJ8m1T0p2Lr8yGdJ3tH5cW1s7n6S', 'ADMIN', 'Shark', 'Direction', '+21620000001', '2026-01-27 09:00:00', '2026-01-27 09:00:00'),
  ('cm6fz1k3a0001qv08asst0002', 'assistante@nexusreussite.academy', NULL, 'ASSISTANTE', 'Cléa', 'Ben Salah', '+21620000002', '2026-01-27 09:05:00', '2026-01-27 09:05:00'),
  ('cm6fz1k3a0002qv08coach003', 'helios@nexusreussite.academy', NULL, 'COACH', 'Hélios', 'Marzouki', NULL, '2026-01-27 09:10:00', '2026-01-27 09:10:00'),
  ('cm6fz1k3a0003qv08coach004', 'zenon@nexusreussite.academy', NULL, 'COACH', 'Zénon', 'Trabelsi', NULL, '2026-01-27 09:12:00', '2026-01-27 09:12:00'),
  ('cm6fz1k3a0004qv08parnt005', 'sonia.gharbi@example.tn', NULL, 'PARENT', 'Sonia', 'Gharbi', '+21622123456', '2026-01-29 17:40:00', '2026-01-29 17:40:00'),
  ('cm6fz1k3a0005qv08elev0006', 'yassine.gharbi@example.tn', NULL, 'ELEVE', 'Yassine', 'Gharbi', NULL, '2026-01-29 17:42:00', '2026-01-29 17:42:00'),
  ('cm6fz1k3a0006qv08elev0007', 'lina.gharbi@example.tn', NULL, 'ELEVE', 'Lina', 'Gharbi', NULL, '2026-01-29 17:43:00', '2026-01-29 17:43:00');

INSERT INTO "parent_profiles" ("id", "userId", "address", "city", "country", "createdAt", "updatedAt") VALUES
  ('cm6fz2p9b0000qv08pp00001', 'cm6fz1k3a0004qv08parnt005', '12 rue du Lac Léman', 'Tunis', 'Tunisie', '2026-01-29 17:40:00', '2026-01-29 17:40:00');

INSERT INTO "students" ("id", "userId", "parentId", "grade", "school", "birthDate", "totalSessions", "completedSessions", "createdAt", "updatedAt") VALUES
  ('cm6fz2p9b0001qv08st00001', 'cm6fz1k3a0005qv08elev0006', 'cm6fz2p9b0000qv08pp00001', 'Terminale', 'Lycée Pierre Mendès France', '2008-05-14', 3, 2, '2026-01-29 17:42:00', '2026-02-03 18:00:00'),
  ('cm6fz2p9b0002qv08st00002', 'cm6fz1k3a0006qv08elev0007', 'cm6fz2p9b0000qv08pp00001', 'Première', 'Lycée Pierre Mendès France', '2009-11-02', 1, 1, '2026-01-29 17:43:00', '2026-02-02 17:00:00');

INSERT INTO "coach_profiles" ("id", "userId", "pseudonym", "title", "tag", "description", "subjects", "availableOnline", "availableInPerson", "createdAt", "updatedAt") VALUES
  ('cm6fz2p9b0003qv08cp00001', 'cm6fz1k3a0002qv08coach003', 'Hélios', 'Agrégé de mathématiques', 'Grand oral', 'Prépare au bac de maths et au grand oral; 12 ans d''expérience.', '{MATHEMATIQUES,NSI}', true, true, '2026-01-27 09:10:00', '2026-01-27 09:10:00'),
  ('cm6fz2p9b0004qv08cp00002', 'cm6fz1k3a0003qv08coach004', 'Zénon', 'Certifié de philosophie', 'Méthodo', NULL, '{PHILOSOPHIE,FRANCAIS}', true, false, '2026-01-27 09:12:00', '2026-01-27 09:12:00');

INSERT INTO "subscriptions" ("id", "studentId", "planName", "monthlyPrice", "creditsPerMonth", "status", "startDate", "endDate", "ariaSubjects", "ariaCost", "createdAt", "updatedAt") VALUES
  ('cm6fz3s0c0000qv08sub0001', 'cm6fz2p9b0001qv08st00001', 'HYBRIDE', 450.00, 4, 'ACTIVE', '2026-02-01 00:00:00', NULL, '{MATHEMATIQUES}', 50.00, '2026-01-30 10:00:00', '2026-01-30 10:00:00'),
  ('cm6fz3s0c0001qv08sub0002', 'cm6fz2p9b0002qv08st00002', 'ACCES_PLATEFORME', 150.00, 0, 'ACTIVE', '2026-02-01 00:00:00', NULL, '{}', 0.00, '2026-01-30 10:05:00', '2026-01-30 10:05:00');

INSERT INTO "payments" ("id", "userId", "type", "amount", "currency", "status", "method", "externalId", "description", "metadata", "createdAt", "updatedAt") VALUES
  ('cm6fz3s0c0002qv08pay0001', 'cm6fz1k3a0004qv08parnt005', 'SUBSCRIPTION', 500.00, 'TND', 'COMPLETED', 'konnect', 'KNT-2026-02-000417', 'Abonnement HYBRIDE + ARIA maths — février 2026', '{"studentId": "cm6fz2p9b0001qv08st00001", "period": "2026-02"}', '2026-02-01 08:15:00', '2026-02-01 08:16:02'),
  ('cm6fz3s0c0003qv08pay0002', 'cm6fz1k3a0004qv08parnt005', 'SUBSCRIPTION', 150.00, 'TND', 'PENDING', 'virement', NULL, 'Accès plateforme — février 2026', NULL, '2026-02-01 08:20:00', '2026-02-01 08:20:00');

INSERT INTO "diagnostics" ("id", "studentId", "email", "firstName", "lastName", "phone", "level", "subject", "answers", "score", "notes", "createdAt", "updatedAt") VALUES
  ('cm6fz3s0c0004qv08dia0001', 'cm6fz2p9b0001qv08st00001', 'sonia.gharbi@example.tn', 'Yassine', 'Gharbi', '+21622123456', 'Terminale', 'MATHEMATIQUES', '{"q1": "b", "q2": "d", "q3": "a"}', 13.5, 'Bases solides; méthode à consolider.', '2026-01-28 11:30:00', '2026-01-28 11:30:00');

INSERT INTO "aria_conversations" ("id", "studentId", "subject", "title", "createdAt", "updatedAt") VALUES
  ('cm6fz4t1d0000qv08ari0001', 'cm6fz2p9b0001qv08st00001', 'MATHEMATIQUES', 'Limites et croissances comparées', '2026-02-02 19:00:00', '2026-02-02 19:04:00');

INSERT INTO "aria_messages" ("id", "conversationId", "role", "content", "feedback", "tokensUsed", "createdAt") VALUES
  ('cm6fz4t1d0001qv08msg0001', 'cm6fz4t1d0000qv08ari0001', 'user', 'Comment calculer la limite de x·e^(-x) en +∞ ?', NULL, NULL, '2026-02-02 19:00:00'),
  ('cm6fz4t1d0002qv08msg0002', 'cm6fz4t1d0000qv08ari0001', 'assistant', 'Par croissances comparées, e^x l''emporte sur x; la limite vaut donc 0.', true, 182, '2026-02-02 19:00:04');

INSERT INTO "badges" ("id", "name", "description", "category", "icon", "condition", "createdAt") VALUES
  ('cm6fz4t1d0003qv08bdg0001', 'Premier pas', 'Première séance terminée', 'ASSIDUITE', 'footprints', '{"completedSessions": 1}', '2026-01-29 22:00:00');

INSERT INTO "student_badges" ("id", "studentId", "badgeId", "earnedAt") VALUES
  ('cm6fz4t1d0004qv08sbd0001', 'cm6fz2p9b0001qv08st00001', 'cm6fz4t1d0003qv08bdg0001', '2026-02-02 18:00:00');

INSERT INTO "notifications" ("id", "userId", "userRole", "type", "title", "message", "data", "read", "createdAt", "updatedAt") VALUES
  ('cm6fz4t1d0005qv08ntf0001', 'cm6fz1k3a0004qv08parnt005', 'PARENT', 'SESSION_BOOKED', 'Séance confirmée', 'La séance de mathématiques de Yassine est confirmée.', '{"sessionId": "cm6fz5u2e0000qv08ses0001"}', false, '2026-02-01 21:00:00', '2026-02-01 21:00:00');

INSERT INTO "session_bookings" ("id", "studentId", "coachId", "parentId", "subject", "title", "startsAt", "endsAt", "duration", "status", "type", "modality", "meetingUrl", "creditsUsed", "completedAt", "rating", "createdAt", "updatedAt") VALUES
  ('cm6fz5u2e0000qv08ses0001', 'cm6fz1k3a0005qv08elev0006', 'cm6fz1k3a0002qv08coach003', 'cm6fz1k3a0004qv08parnt005', 'MATHEMATIQUES', 'Suites et récurrence', '2026-02-02 17:00:00', '2026-02-02 18:00:00', 60, 'COMPLETED', 'INDIVIDUAL', 'ONLINE', 'https://meet.jit.si/nexus-ses0001', 1, '2026-02-02 18:00:00', 5, '2026-02-01 21:00:00', '2026-02-02 18:00:00'),
  ('cm6fz5u2e0001qv08ses0002', 'cm6fz1k3a0005qv08elev0006', 'cm6fz1k3a0002qv08coach003', 'cm6fz1k3a0004qv08parnt005', 'MATHEMATIQUES', 'Limites de fonctions', '2026-02-09 17:00:00', '2026-02-09 18:00:00', 60, 'CONFIRMED', 'INDIVIDUAL', 'ONLINE', 'https://meet.jit.si/nexus-ses0002', 1, NULL, NULL, '2026-02-03 20:00:00', '2026-02-03 20:00:00');

INSERT INTO "credit_transactions" ("id", "studentId", "type", "amount", "description", "sessionId", "idempotencyKey", "expiresAt", "createdAt") VALUES
  ('cm6fz5u2e0002qv08crd0001', 'cm6fz2p9b0001qv08st00001', 'MONTHLY_ALLOCATION', 4.00, 'Crédits mensuels — février 2026', NULL, 'MONTHLY_ALLOCATION:cm6fz3s0c0000qv08sub0001:2026-02', '2026-03-31 23:59:59', '2026-02-01 00:05:00'),
  ('cm6fz5u2e0003qv08crd0002', 'cm6fz2p9b0001qv08st00001', 'USAGE', -1.00, 'Séance Suites et récurrence', 'cm6fz5u2e0000qv08ses0001', 'USAGE:cm6fz5u2e0000qv08ses0001', NULL, '2026-02-01 21:00:00'),
  ('cm6fz5u2e0004qv08crd0003', 'cm6fz2p9b0001qv08st00001', 'USAGE', -1.00, 'Séance Limites de fonctions', 'cm6fz5u2e0001qv08ses0002', 'USAGE:cm6fz5u2e0001qv08ses0002', NULL, '2026-02-03 20:00:00');

INSERT INTO "assessments" ("id", "student_id", "email", "subject", "grade", "assessment_version", "status", "answers", "global_score", "confidence_index", "created_at", "updated_at") VALUES
  ('cm6fz6v3f0000qv08asm0001', 'cm6fz2p9b0002qv08st00002', 'lina.gharbi@example.tn', 'MATHEMATIQUES', 'Première', 'maths-premiere-v1', 'COMPLETED', '{"items": 24, "answered": 22}', 71.5, 0.82, '2026-02-14 18:00:00', '2026-02-14 18:01:10');

INSERT INTO "domain_scores" ("id", "assessment_id", "domain", "score", "max_score", "created_at") VALUES
  ('cm6fz6v3f0001qv08dsc0001', 'cm6fz6v3f0000qv08asm0001', 'Analyse', 14, 20, '2026-02-14 18:01:10'),
  ('cm6fz6v3f0002qv08dsc0002', 'cm6fz6v3f0000qv08asm0001', 'Probabilités', 9, 12, '2026-02-14 18:01:10');
`;

/** Rows in the objects that only exist through `db push`. */
export const DEMO_DRIFT_DATA_SQL = `
UPDATE "users" SET "activatedAt" = "createdAt" WHERE "role" IN ('ADMIN', 'ASSISTANTE', 'COACH');
UPDATE "users" SET "activatedAt" = '2026-02-16 08:31:00' WHERE "id" = 'cm6fz1k3a0004qv08parnt005';
UPDATE "users" SET "activationToken" = 'act_5c2f0e9b7d3a41c8a6e1', "activationExpiry" = '2026-02-23 08:00:00' WHERE "id" = 'cm6fz1k3a0006qv08elev0007';

INSERT INTO "invoice_sequences" ("year", "prefix", "current", "updated_at") VALUES (2026, 'NR', 1, '2026-02-16 09:00:00');

INSERT INTO "invoices" ("id", "number", "status", "customer_id", "customer_name", "customer_email", "customer_address", "payment_id", "currency", "subtotal_millimes", "tax_rate_bps", "tax_millimes", "total_millimes", "issued_at", "due_at", "paid_at", "created_at", "updated_at") VALUES
  ('cm6fz7w4g0000qv08inv0001', 'NR-2026-000001', 'PAID', 'cm6fz1k3a0004qv08parnt005', 'Sonia Gharbi', 'sonia.gharbi@example.tn', '12 rue du Lac Léman, Tunis', 'cm6fz3s0c0002qv08pay0001', 'TND', 420168, 1900, 79832, 500000, '2026-02-16 09:00:00', '2026-03-02 23:59:59', '2026-02-16 09:00:00', '2026-02-16 09:00:00', '2026-02-16 09:00:00');

INSERT INTO "invoice_items" ("id", "invoice_id", "label", "description", "quantity", "unit_price_millimes", "total_millimes", "sort_order", "created_at") VALUES
  ('cm6fz7w4g0001qv08itm0001', 'cm6fz7w4g0000qv08inv0001', 'Abonnement HYBRIDE — février 2026', '4 séances; coach Hélios', 1, 378151, 378151, 0, '2026-02-16 09:00:00'),
  ('cm6fz7w4g0002qv08itm0002', 'cm6fz7w4g0000qv08inv0001', 'Option ARIA mathématiques', NULL, 1, 42017, 42017, 1, '2026-02-16 09:00:00');
`;

export interface DemoDatabaseContent {
  /** The demo project folder (holds `prisma/schema.prisma` and `prisma/migrations`). */
  demoDir: string;
  /** The migrations to apply and record, in this order. */
  order: readonly string[];
  /** `production`: recorded at the production dates of the story; `now`: recorded as if applied just now. */
  clock: 'production' | 'now';
  /** Create the `db push` objects (the baseline delta) too. */
  drift: boolean;
  /** Drop and recreate the `public` schema first, so the database is fresh. Default `true`. */
  reset?: boolean;
  /** Insert a handful of realistic rows. Default `true`. */
  withData?: boolean;
}

/** The bytes of a demo migration's `migration.sql`. */
export function readDemoMigrationFile(demoDir: string, name: string): Buffer {
  return readFileSync(path.join(demoDir, 'prisma', 'migrations', name, 'migration.sql'));
}

/**
 * Fills a database with the demo's history: `_prisma_migrations` with Prisma's DDL, each migration recorded
 * (with Prisma's checksum of its file) and run whole as `migrate deploy` does, then rows, then the `db push`
 * objects when `drift` is set.
 */
export async function fillDemoDatabase(client: DemoSqlClient, content: DemoDatabaseContent): Promise<void> {
  const scripts = content.order.map((name) => ({ name, bytes: readDemoMigrationFile(content.demoDir, name) }));
  const withData = content.withData ?? true;
  if (content.reset ?? true) {
    await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
  }
  await client.query(PRISMA_MIGRATIONS_TABLE_DDL);
  let now = Date.now();
  for (const { name, bytes } of scripts) {
    const timing =
      content.clock === 'production' ? PRODUCTION_TIMELINE[name] : { startedAt: new Date(now).toISOString(), durationMs: 25 };
    if (!timing) throw new Error(`no production date for migration ${name}`);
    const startedAt = new Date(timing.startedAt);
    const finishedAt = new Date(startedAt.getTime() + timing.durationMs);
    now = finishedAt.getTime() + 5;
    const id = randomUUID();
    // As `migrate deploy` does: record the start, run the script whole, then mark it finished.
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, 0)',
      [id, migrationChecksum(bytes), name, startedAt],
    );
    try {
      await client.query(bytes.toString('utf8'));
    } catch (error) {
      throw new Error(l10n.t('demo migration {0} failed: {1}', name, error instanceof Error ? error.message : String(error)));
    }
    await client.query('UPDATE _prisma_migrations SET finished_at = $2, applied_steps_count = 1 WHERE id = $1', [id, finishedAt]);
  }
  if (withData) await client.query(DEMO_HISTORY_DATA_SQL);
  if (content.drift) {
    await client.query(DEMO_DRIFT_SQL);
    if (withData) await client.query(DEMO_DRIFT_DATA_SQL);
  }
}
