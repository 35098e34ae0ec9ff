-- AlterTable
ALTER TABLE "credit_transactions" ADD COLUMN     "idempotencyKey" TEXT;

-- Backfill : chaque débit historique lié à une séance reçoit la clé que l'API génère désormais
-- ("USAGE:<sessionId>"). Les doublons du bug de double débit gardent une clé NULL.
UPDATE "credit_transactions" AS ct
SET "idempotencyKey" = 'USAGE:' || ct."sessionId"
FROM (
  SELECT "id", row_number() OVER (PARTITION BY "sessionId" ORDER BY "createdAt", "id") AS rn
  FROM "credit_transactions"
  WHERE "type" = 'USAGE' AND "sessionId" IS NOT NULL
) AS first_debit
WHERE ct."id" = first_debit."id" AND first_debit.rn = 1;

-- CreateIndex
CREATE UNIQUE INDEX "credit_transactions_idempotencyKey_key" ON "credit_transactions"("idempotencyKey");

-- Un débit ne peut pas être nul (les ajustements passent par ADJUSTMENT, positifs ou négatifs).
ALTER TABLE "credit_transactions" ADD CONSTRAINT "credit_transactions_amount_nonzero" CHECK ("amount" <> 0);

-- Les sessionId orphelins (séances de l'ancien système, antérieures à session_bookings) sont détachés.
UPDATE "credit_transactions"
SET "sessionId" = NULL
WHERE "sessionId" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "session_bookings" sb WHERE sb."id" = "credit_transactions"."sessionId");

-- AddForeignKey
-- Déjà posée à la main en prod le 01/02 (hotfix pendant l'incident) : on tolère qu'elle existe.
DO $$
BEGIN
  ALTER TABLE "credit_transactions" ADD CONSTRAINT "credit_transactions_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "session_bookings"("id") ON DELETE SET NULL ON UPDATE CASCADE;
EXCEPTION
  WHEN duplicate_object THEN null;
END $$;

COMMENT ON COLUMN "credit_transactions"."idempotencyKey" IS 'Clé d''idempotence fournie par l''appelant, ex. USAGE:<bookingId>; NULL pour les lignes antérieures au 01/02/2026';
