import * as assert from 'node:assert/strict';
import { creationStatements, datamodelLoses } from '../../../src/core/engine/datamodelFidelity';

describe('engine/datamodelFidelity', () => {
  const shadow = `-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "public"."users" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "public"."users"("email" ASC);

-- CreateIndex
CREATE INDEX "users_at_idx" ON "public"."users"("email" DESC, "id" ASC);
`;
  const datamodel = `-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateIndex
CREATE INDEX "users_at_idx" ON "users"("email" DESC, "id");

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "users"("email");
`;

  it('sees the same schema through the spelling of each side: qualifiers, ASC, order, layout', () => {
    assert.equal(datamodelLoses(shadow, datamodel), undefined);
    assert.deepEqual(creationStatements('-- x\nCREATE TABLE "a" (\n  "b" INT\n);\n\n'), [
      'CREATE TABLE "a" ("b" INT);',
    ]);
  });

  it('names what the datamodel does not keep: a second index on the same column, a DESC, an operator class', () => {
    const twoIndexes = `${shadow}\n-- CreateIndex\nCREATE UNIQUE INDEX "users_email_key" ON "public"."users"("email" ASC);\n`;
    assert.match(
      datamodelLoses(twoIndexes, datamodel) ?? '',
      /does not keep `CREATE UNIQUE INDEX "users_email_key" ON "users"\("email"\);`/,
    );
    assert.match(
      datamodelLoses(shadow, datamodel.replace('"email" DESC', '"email"')) ?? '',
      /the shadow gives .*DESC.* where the datamodel gives/,
    );
    assert.match(
      datamodelLoses(shadow.replace('("email" ASC)', '("email" text_pattern_ops ASC)'), datamodel) ?? '',
      /text_pattern_ops/,
    );
    assert.match(
      datamodelLoses(shadow, `${datamodel}\nCREATE TABLE "extra" ("id" INT);\n`) ?? '',
      /the datamodel adds `CREATE TABLE "extra"/,
    );
  });

  it('counts duplicates: two identical statements on one side are not one', () => {
    const once = 'CREATE INDEX "i" ON "t"("c");\n';
    assert.equal(datamodelLoses(once + once, once + once), undefined);
    assert.ok(datamodelLoses(once + once, once));
  });
});
