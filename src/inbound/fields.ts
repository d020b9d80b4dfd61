import { z } from 'zod';
import { charset } from '../validation/charsets.js';
import { didPattern, didRule } from './contract.js';

/** Field rules of inbound routes (F-4.2.4) and DID routes (F-4.2.5). */
export const inboundFieldSchemas = {
  did: z.string().min(1, 'required').regex(didPattern, didRule).describe(`The called number (DID) the route takes, unique. ${didRule}`),
  alertInfo: z
    .string()
    .max(64, 'at most 64 characters')
    .regex(charset.identifier.pattern, charset.identifier.rule)
    .describe(`Ring tone name sent as Alert-Info to the phones the call rings (distinctive ring); empty for none. ${charset.identifier.rule}`),
} as const;
