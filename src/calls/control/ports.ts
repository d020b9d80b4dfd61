import type { AmiMessage } from '../../pbx/ami/message.js';

/** What call control needs of the ARI connection (src/pbx/ari/connection.ts). */
export type ControlAri = {
  connected(): boolean;
  originateToDialplan(input: {
    endpoint: string;
    context: string;
    extension: string;
    callerId: string;
    timeoutSeconds: number;
    channelId: string;
    variables?: Record<string, string>;
  }): Promise<{ id: string; name: string }>;
  /** A channel that is gone already is no error. */
  hangupChannel(channelId: string): Promise<void>;
  listBridges(): Promise<{ id: string; channels: string[] }[]>;
  listChannels(): Promise<{ id: string; name: string; dialplan?: { context: string; exten: string } }[]>;
};

/** What call control needs of the AMI client (src/pbx/ami/client.ts). */
export type ControlAmi = {
  connected(): boolean;
  action(action: AmiMessage & { Action: string }, timeoutMs?: number): Promise<AmiMessage>;
  list(action: AmiMessage & { Action: string }, timeoutMs?: number): Promise<AmiMessage[]>;
  on(event: 'event', listener: (message: AmiMessage) => void): unknown;
  off(event: 'event', listener: (message: AmiMessage) => void): unknown;
};

/** An extension as call control needs it. */
export type ControlExtension = { number: string; enabled: boolean; dialPermission: string; mohClass: string };

export type ControlExtensions = { find(number: string): Promise<ControlExtension | null> };
