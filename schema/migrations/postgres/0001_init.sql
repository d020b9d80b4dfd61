-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "extensionId" TEXT,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "refreshTokenHash" TEXT NOT NULL,
    "accountId" TEXT,
    "extensionId" TEXT,
    "ip" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" TEXT NOT NULL,
    "time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ip" TEXT,
    "username" TEXT,
    "role" TEXT,
    "operation" TEXT NOT NULL,
    "operationName" TEXT,
    "outcome" TEXT NOT NULL,
    "durationMs" DOUBLE PRECISION NOT NULL,
    "input" TEXT NOT NULL,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "DialableNumber" (
    "number" TEXT NOT NULL,
    "ownerKind" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,

    CONSTRAINT "DialableNumber_pkey" PRIMARY KEY ("number")
);

-- CreateTable
CREATE TABLE "DialPermission" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "DialPermission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Extension" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "name" TEXT NOT NULL,
    "mobileNumber" TEXT NOT NULL DEFAULT '',
    "dialPermissionId" TEXT NOT NULL,
    "password" TEXT NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'DEFAULT',
    "email" TEXT NOT NULL DEFAULT '',
    "outboundCallerId1" TEXT NOT NULL DEFAULT '',
    "outboundCallerId2" TEXT NOT NULL DEFAULT '',
    "mohClass" TEXT NOT NULL DEFAULT 'default',
    "voicemailEnabled" BOOLEAN NOT NULL DEFAULT true,
    "voicemailPin" TEXT NOT NULL DEFAULT '1234',
    "remoteRegistration" BOOLEAN NOT NULL DEFAULT false,
    "maxContacts" INTEGER NOT NULL DEFAULT 2,
    "videoEnabled" BOOLEAN NOT NULL DEFAULT true,
    "videoCodec" TEXT NOT NULL DEFAULT 'H264',
    "webrtcEnabled" BOOLEAN NOT NULL DEFAULT true,
    "recording" TEXT NOT NULL DEFAULT 'OFF',
    "allowBeingMonitored" BOOLEAN NOT NULL DEFAULT false,
    "registrationExpirySeconds" INTEGER NOT NULL DEFAULT 1800,
    "appRegistration" BOOLEAN NOT NULL DEFAULT false,
    "webLogin" BOOLEAN NOT NULL DEFAULT true,
    "pickupGroups" TEXT NOT NULL DEFAULT '[1]',
    "transport" TEXT NOT NULL DEFAULT 'UDP',
    "dtmfMode" TEXT NOT NULL DEFAULT 'RFC4733',
    "srtp" BOOLEAN NOT NULL DEFAULT false,
    "qualifyFrequencySeconds" INTEGER NOT NULL DEFAULT 300,
    "nat" BOOLEAN NOT NULL DEFAULT false,
    "iax2Enabled" BOOLEAN NOT NULL DEFAULT false,
    "trustedAddresses" TEXT NOT NULL DEFAULT '[]',
    "qualifyTimeoutSeconds" INTEGER NOT NULL DEFAULT 30,
    "sendPai" BOOLEAN NOT NULL DEFAULT false,
    "sendRpid" BOOLEAN NOT NULL DEFAULT false,
    "rtpTimeoutSeconds" INTEGER NOT NULL DEFAULT 60,
    "inbandProgress" BOOLEAN NOT NULL DEFAULT false,
    "codecs" TEXT NOT NULL DEFAULT '["ALAW","ULAW","G729"]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Extension_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Department" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "ringStrategy" TEXT NOT NULL,
    "ringTimeSeconds" INTEGER NOT NULL,
    "noAnswerType" TEXT NOT NULL,
    "noAnswerTarget" TEXT,
    "distinctiveRing" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Department_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DepartmentMember" (
    "departmentId" TEXT NOT NULL,
    "extensionId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "DepartmentMember_pkey" PRIMARY KEY ("departmentId","extensionId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_username_key" ON "Account"("username");

-- CreateIndex
CREATE UNIQUE INDEX "Session_refreshTokenHash_key" ON "Session"("refreshTokenHash");

-- CreateIndex
CREATE INDEX "Session_accountId_idx" ON "Session"("accountId");

-- CreateIndex
CREATE INDEX "Session_extensionId_idx" ON "Session"("extensionId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "AuditEntry_time_idx" ON "AuditEntry"("time");

-- CreateIndex
CREATE INDEX "AuditEntry_username_idx" ON "AuditEntry"("username");

-- CreateIndex
CREATE INDEX "AuditEntry_operation_idx" ON "AuditEntry"("operation");

-- CreateIndex
CREATE UNIQUE INDEX "DialableNumber_ownerKind_ownerId_key" ON "DialableNumber"("ownerKind", "ownerId");

-- CreateIndex
CREATE UNIQUE INDEX "DialPermission_name_key" ON "DialPermission"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Extension_number_key" ON "Extension"("number");

-- CreateIndex
CREATE INDEX "Extension_name_idx" ON "Extension"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Department_name_key" ON "Department"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Department_number_key" ON "Department"("number");

-- CreateIndex
CREATE INDEX "Department_noAnswerType_noAnswerTarget_idx" ON "Department"("noAnswerType", "noAnswerTarget");

-- CreateIndex
CREATE INDEX "DepartmentMember_extensionId_idx" ON "DepartmentMember"("extensionId");

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_extensionId_fkey" FOREIGN KEY ("extensionId") REFERENCES "Extension"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_extensionId_fkey" FOREIGN KEY ("extensionId") REFERENCES "Extension"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Extension" ADD CONSTRAINT "Extension_dialPermissionId_fkey" FOREIGN KEY ("dialPermissionId") REFERENCES "DialPermission"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepartmentMember" ADD CONSTRAINT "DepartmentMember_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepartmentMember" ADD CONSTRAINT "DepartmentMember_extensionId_fkey" FOREIGN KEY ("extensionId") REFERENCES "Extension"("id") ON DELETE CASCADE ON UPDATE CASCADE;

