import { z } from 'zod';

/** Call records and recordings (F-5.2, F-5.1): how long they are kept. */
export const callRecordSettingsSchema = z.object({
  retentionDays: z
    .number()
    .int()
    .min(0)
    .max(36500)
    .default(0)
    .describe('Call records and call recordings older than this many days are deleted once a day (the recording files too); 0 keeps them forever'),
});
export type CallRecordSettings = z.infer<typeof callRecordSettingsSchema>;
