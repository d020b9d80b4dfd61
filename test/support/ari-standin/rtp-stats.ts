import { randomInt } from 'node:crypto';

/** The five RTPAUDIOQOS* variables Asterisk sets on a channel whose RTP session ends. */
export interface RtpQosVariables {
  readonly '': string;
  readonly JITTER: string;
  readonly LOSS: string;
  readonly RTT: string;
  readonly MES: string;
}

export const QOS_SUFFIXES = ['', 'JITTER', 'LOSS', 'RTT', 'MES'] as const;

const zero = '000.000000';

/** Plausible statistics for a clean loopback call of the given length (50 packets a second). */
export function rtpQosVariables(durationMs: number): RtpQosVariables {
  const packets = Math.max(0, Math.round(durationMs / 20));
  const ssrc = () => randomInt(1, 2 ** 32 - 1);
  return {
    '': `ssrc=${ssrc()};themssrc=${ssrc()};lp=0;rxjitter=0.000000;rxcount=${packets};txjitter=0.000250;txcount=${packets};rlp=0;rtt=0.000000;rxmes=88.087887;txmes=0.000000`,
    JITTER: `minrxjitter=${zero};maxrxjitter=000.000250;avgrxjitter=000.000172;stdevrxjitter=000.000098;mintxjitter=${zero};maxtxjitter=${zero};avgtxjitter=${zero};stdevtxjitter=${zero};`,
    LOSS: ['minrxlost', 'maxrxlost', 'avgrxlost', 'stdevrxlost', 'mintxlost', 'maxtxlost', 'avgtxlost', 'stdevtxlost'].map((name) => `  ${name}=${zero};`).join(''),
    RTT: ['minrtt', 'maxrtt', 'avgrtt', 'stdevrtt'].map((name) => `     ${name}=${zero};`).join(''),
    MES: `   minrxmes=${zero};   maxrxmes=${zero};   avgrxmes=${zero};   stdevrxmes=${zero};   mintxmes=088.087887;   maxtxmes=088.087887;   avgtxmes=088.087887;   stdevtxmes=${zero};`,
  };
}
