/**
 * Names shared by the queue configuration (queues.conf, dialplan, feature
 * codes) and the live queue state (AMI): how a stored queue and its agents
 * are named in Asterisk. A queue is named by its id, not its number, so a
 * renumbered queue keeps its logged-in dynamic agents (persistentmembers).
 */
export const queueKinds = { queue: 'QUEUE' } as const;

/** The app_queue name of a stored queue. */
export function asteriskQueueName(queueId: string): string {
  return `queue-${queueId}`;
}

/** The stored queue id of an app_queue name, or null for a queue this server did not render. */
export function queueIdOf(asteriskName: string): string | null {
  const m = /^queue-([a-z0-9]+)$/.exec(asteriskName);
  return m ? m[1]! : null;
}

/** An agent's interface: the extension's PJSIP endpoint (the endpoint is named by the extension number). */
export function agentInterface(extensionNumber: string): string {
  return `PJSIP/${extensionNumber}`;
}

/** The extension number of an agent interface, or null. */
export function agentNumberOf(iface: string): string | null {
  const m = /^PJSIP\/([0-9]+)$/.exec(iface);
  return m ? m[1]! : null;
}
