-- CreateTable
CREATE TABLE "aria_conversations" (
    "id" TEXT NOT NULL,
    "studentId" TEXT NOT NULL,
    "subject" "Subject" NOT NULL,
    "title" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "aria_conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "aria_messages" (
    "id" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "feedback" BOOLEAN,
    "tokensUsed" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "aria_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "aria_conversations_studentId_subject_idx" ON "aria_conversations"("studentId", "subject");

-- CreateIndex
CREATE INDEX "aria_messages_conversationId_createdAt_idx" ON "aria_messages"("conversationId", "createdAt");

-- AddForeignKey
ALTER TABLE "aria_conversations" ADD CONSTRAINT "aria_conversations_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "students"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "aria_messages" ADD CONSTRAINT "aria_messages_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "aria_conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
