-- CreateTable
CREATE TABLE "CallRecord" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "uniqueid" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "linkedid" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "answeredAt" DATETIME,
    "endedAt" DATETIME NOT NULL,
    "durationSeconds" INTEGER NOT NULL,
    "talkSeconds" INTEGER NOT NULL,
    "caller" TEXT NOT NULL,
    "callerName" TEXT NOT NULL DEFAULT '',
    "callee" TEXT NOT NULL,
    "finalCallee" TEXT NOT NULL DEFAULT '',
    "direction" TEXT NOT NULL,
    "disposition" TEXT NOT NULL,
    "trunk" TEXT NOT NULL DEFAULT '',
    "did" TEXT NOT NULL DEFAULT '',
    "pinCode" TEXT NOT NULL DEFAULT '',
    "callerExtension" TEXT,
    "calleeExtension" TEXT,
    "channel" TEXT NOT NULL DEFAULT '',
    "dstChannel" TEXT NOT NULL DEFAULT '',
    "lastApp" TEXT NOT NULL DEFAULT '',
    "lastData" TEXT NOT NULL DEFAULT '',
    "ingestedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "IngestCursor" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "fileId" TEXT NOT NULL,
    "offset" BIGINT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Recording" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "file" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "linkedid" TEXT NOT NULL DEFAULT '',
    "uniqueid" TEXT NOT NULL DEFAULT '',
    "startedAt" DATETIME NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "durationSeconds" INTEGER NOT NULL DEFAULT 0,
    "caller" TEXT NOT NULL DEFAULT '',
    "callee" TEXT NOT NULL DEFAULT '',
    "callerExtension" TEXT,
    "calleeExtension" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "eventTypes" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fannedOut" BOOLEAN NOT NULL DEFAULT false
);

-- CreateTable
CREATE TABLE "WebhookMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "endpointId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAttemptAt" DATETIME,
    "deliveredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookMessage_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "WebhookMessage_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "WebhookEvent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "messageId" TEXT NOT NULL,
    "attemptedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "httpStatus" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "responseBody" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "WebhookAttempt_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "WebhookMessage" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "CallRecord_startedAt_idx" ON "CallRecord"("startedAt");

-- CreateIndex
CREATE INDEX "CallRecord_linkedid_idx" ON "CallRecord"("linkedid");

-- CreateIndex
CREATE INDEX "CallRecord_callerExtension_startedAt_idx" ON "CallRecord"("callerExtension", "startedAt");

-- CreateIndex
CREATE INDEX "CallRecord_calleeExtension_startedAt_idx" ON "CallRecord"("calleeExtension", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CallRecord_uniqueid_sequence_key" ON "CallRecord"("uniqueid", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "Recording_file_key" ON "Recording"("file");

-- CreateIndex
CREATE INDEX "Recording_startedAt_idx" ON "Recording"("startedAt");

-- CreateIndex
CREATE INDEX "Recording_linkedid_idx" ON "Recording"("linkedid");

-- CreateIndex
CREATE INDEX "Recording_callerExtension_idx" ON "Recording"("callerExtension");

-- CreateIndex
CREATE INDEX "Recording_calleeExtension_idx" ON "Recording"("calleeExtension");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_idempotencyKey_key" ON "WebhookEvent"("idempotencyKey");

-- CreateIndex
CREATE INDEX "WebhookEvent_fannedOut_createdAt_idx" ON "WebhookEvent"("fannedOut", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookMessage_status_nextAttemptAt_idx" ON "WebhookMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookMessage_eventId_idx" ON "WebhookMessage"("eventId");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookMessage_endpointId_eventId_key" ON "WebhookMessage"("endpointId", "eventId");

-- CreateIndex
CREATE INDEX "WebhookAttempt_messageId_attemptedAt_idx" ON "WebhookAttempt"("messageId", "attemptedAt");

