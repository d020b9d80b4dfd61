/**
 * The contexts inbound routing is made of, named here once. Every call from a
 * trunk's far end (a client-mode trunk: a provider) starts in the trunk's
 * inbound context, which runs the steps in the order of src/inbound/order.ts:
 * blacklist → anonymous callers → office pause → DID route → the trunk's
 * inbound route. Each step is a Gosub into the context of the domain that
 * owns it; a step that lets the call go on returns, one that decides ends the
 * call or jumps away. Calls from a server-mode trunk (another PBX) start in
 * its dial permission's context instead (F-4.3.1.b, M-40).
 */
export const inboundContexts = {
  /** The inbound context of a trunk: where its endpoint's or IAX2 peer's calls start. */
  trunk: (trunkName: string) => `pbx-inbound-${trunkName}`,
  /** Gosub s,1: hangs up a caller on the blacklist (F-4.2.6), else returns. */
  blacklist: 'pbx-inbound-blacklist',
  /** Gosub s,1: while office pause is on (F-4.2.4.a), goes to its destination; else returns. */
  officePause: 'pbx-office-pause',
  /** One extension per DID (F-4.2.5): `exten => <did>,1,…` goes to the DID's destination. */
  didRoutes: 'pbx-did-routes',
  /** Gosub s,1: while the PBX setting blockAnonymous is on, hangs up a caller without a caller ID, else returns. */
  anonymous: 'pbx-inbound-anonymous',
} as const;

/** Owner kinds of the stored Destinations of inbound routing (the Destination table), and the slot they use. */
export const inboundOwners = { trunkRoute: 'INBOUND_ROUTE', didRoute: 'DID_ROUTE', slot: 'inboundCalls' } as const;

/**
 * Channel variables inbound routing sets for everything after it (inherited
 * by the legs it dials): the trunk and the DID the call came in on, for the
 * live state and the call records, and the Alert-Info of the route that took it.
 */
export const inboundVariables = { trunk: 'PBX_TRUNK', did: 'PBX_DID', alertInfo: 'PBX_ALERT_INFO' } as const;

/** Characters a DID may have: what a SIP URI user and an IAX2 called number both carry unchanged. */
export const didPattern = /^\+?[0-9]{1,32}$/;
export const didRule = 'digits with an optional leading +, at most 32';
