-- CreateEnum
CREATE TYPE "AssessmentStatus" AS ENUM ('PENDING', 'SCORING', 'GENERATING', 'COMPLETED', 'FAILED');

-- CreateTable
CREATE TABLE "assessments" (
    "id" TEXT NOT NULL,
    "student_id" TEXT,
    "email" TEXT,
    "subject" "Subject" NOT NULL,
    "grade" TEXT NOT NULL,
    "assessment_version" TEXT NOT NULL,
    "status" "AssessmentStatus" NOT NULL DEFAULT 'PENDING',
    "answers" JSONB NOT NULL,
    "global_score" DOUBLE PRECISION,
    "confidence_index" DOUBLE PRECISION,
    "scoring_result" JSONB,
    "analysis_json" JSONB,
    "error_code" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "assessments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "domain_scores" (
    "id" TEXT NOT NULL,
    "assessment_id" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "max_score" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domain_scores_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "assessments_student_id_idx" ON "assessments"("student_id");

-- CreateIndex
CREATE INDEX "assessments_status_created_at_idx" ON "assessments"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "domain_scores_assessment_id_domain_key" ON "domain_scores"("assessment_id", "domain");

-- AddForeignKey
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_student_id_fkey" FOREIGN KEY ("student_id") REFERENCES "students"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "domain_scores" ADD CONSTRAINT "domain_scores_assessment_id_fkey" FOREIGN KEY ("assessment_id") REFERENCES "assessments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
