/**
 * A project whose whole history is one large `init` migration, as `prisma migrate dev` writes it for a
 * schema of N models (tables, then indexes, then foreign keys). Real projects squash their history into
 * such a file; its size is what made text scans quadratic. Used by `drift-guard bench` and by tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Schema and migration text of {@link writeLargeInitProject}. */
export interface LargeInit {
  schema: string;
  sql: string;
  migrationName: string;
}

/** N models, each with an id, two text fields, a relation to the previous model, an index and two unique constraints. */
export function largeInit(models: number): LargeInit {
  const name = (i: number): string => `Model${String(i).padStart(5, '0')}`;
  const schema: string[] = [
    'generator client {',
    '  provider = "prisma-client-js"',
    '}',
    '',
    'datasource db {',
    '  provider = "postgresql"',
    '}',
    '',
    'enum Status {',
    '  ACTIVE',
    '  INACTIVE',
    '}',
    '',
  ];
  const tables: string[] = ['-- CreateEnum', `CREATE TYPE "Status" AS ENUM ('ACTIVE', 'INACTIVE');`, ''];
  const indexes: string[] = [];
  const keys: string[] = [];
  for (let i = 0; i < models; i++) {
    const m = name(i);
    schema.push(
      `model ${m} {`,
      '  id        Int      @id @default(autoincrement())',
      '  name      String',
      '  email     String   @unique',
      '  status    Status   @default(ACTIVE)',
      '  createdAt DateTime @default(now())',
    );
    if (i > 0) {
      schema.push('  parentId  Int?', `  parent    ${name(i - 1)}? @relation(fields: [parentId], references: [id])`);
    }
    if (i < models - 1) schema.push(`  children  ${name(i + 1)}[]`);
    schema.push('', '  @@index([name])', '  @@unique([name, createdAt])', '}', '');
    tables.push(
      '-- CreateTable',
      `CREATE TABLE "${m}" (`,
      '    "id" SERIAL NOT NULL,',
      '    "name" TEXT NOT NULL,',
      '    "email" TEXT NOT NULL,',
      `    "status" "Status" NOT NULL DEFAULT 'ACTIVE',`,
      '    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,',
      ...(i > 0 ? ['    "parentId" INTEGER,'] : []),
      '',
      `    CONSTRAINT "${m}_pkey" PRIMARY KEY ("id")`,
      ');',
      '',
    );
    indexes.push(
      '-- CreateIndex',
      `CREATE UNIQUE INDEX "${m}_email_key" ON "${m}"("email");`,
      '',
      '-- CreateIndex',
      `CREATE INDEX "${m}_name_idx" ON "${m}"("name");`,
      '',
      '-- CreateIndex',
      `CREATE UNIQUE INDEX "${m}_name_createdAt_key" ON "${m}"("name", "createdAt");`,
      '',
    );
    if (i > 0) {
      keys.push(
        '-- AddForeignKey',
        `ALTER TABLE "${m}" ADD CONSTRAINT "${m}_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "${name(i - 1)}"("id") ON DELETE SET NULL ON UPDATE CASCADE;`,
        '',
      );
    }
  }
  return {
    schema: schema.join('\n'),
    sql: [...tables, ...indexes, ...keys].join('\n'),
    migrationName: '20240101000000_init',
  };
}

/** Writes {@link largeInit} as a project in `dir` (prisma/schema.prisma, one migration, the lock file). */
export async function writeLargeInitProject(dir: string, models: number): Promise<LargeInit> {
  const project = largeInit(models);
  const migrations = path.join(dir, 'prisma', 'migrations');
  await mkdir(path.join(migrations, project.migrationName), { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'large-init', private: true, devDependencies: { prisma: '6.19.0' } }, null, 2),
  );
  await writeFile(path.join(dir, 'prisma', 'schema.prisma'), project.schema);
  await writeFile(path.join(migrations, 'migration_lock.toml'), 'provider = "postgresql"\n');
  await writeFile(path.join(migrations, project.migrationName, 'migration.sql'), project.sql);
  return project;
}
