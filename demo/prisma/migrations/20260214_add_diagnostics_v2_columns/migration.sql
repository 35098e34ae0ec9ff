-- AlterTable
ALTER TABLE "diagnostics" ADD COLUMN     "analysis_json" JSONB,
ADD COLUMN     "analysis_status" TEXT NOT NULL DEFAULT 'PENDING',
ADD COLUMN     "definition_key" TEXT,
ADD COLUMN     "definition_version" TEXT,
ADD COLUMN     "public_share_id" TEXT,
ADD COLUMN     "scoring_result" JSONB;

-- CreateIndex
CREATE UNIQUE INDEX "diagnostics_public_share_id_key" ON "diagnostics"("public_share_id");

-- CreateIndex
CREATE INDEX "diagnostics_definition_key_definition_version_idx" ON "diagnostics"("definition_key", "definition_version");

-- Les bilans existants sont tous issus du formulaire « Bilan gratuit » v1.
UPDATE "diagnostics"
SET "definition_key" = 'bilan-gratuit', "definition_version" = 'v1'
WHERE "definition_key" IS NULL;
