import { readFileSync } from 'node:fs';
import path from 'node:path';

// Test helpers for comparing stand-in output with traffic recorded from a real
// Asterisk. Values that differ on every run (ids, times, RTP statistics) are
// replaced by placeholders; an id gets the same placeholder everywhere it
// appears, so references between events are still compared.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TIME_FIELDS = new Set(['timestamp', 'creationtime', 'startup_time', 'last_reload_time']);
const ID_FIELDS = new Set(['id', 'protocol_id', 'channels', 'channel_ids']);
const ELAPSED_VARIABLE = /^(ANSWEREDTIME|DIALEDTIME|RINGTIME|PROGRESSTIME)(_MS)?$/;

export function readRecordedEvents(directory: string, file: string): Record<string, unknown>[] {
  return readFileSync(path.join(directory, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export interface RecordedRest {
  request: { method: string; path: string; query: Record<string, string>; auth: string };
  status: number;
  reason: string;
  content_type: string | null;
  body: unknown;
}

export function readRecordedRest(directory: string, file: string): RecordedRest {
  return JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as RecordedRest;
}

/** One normalizer per compared sequence: placeholders are numbered by first appearance. */
export function createNormalizer(): (value: unknown) => Json {
  const aliases = new Map<string, string>();
  const alias = (kind: string, value: string): string => {
    if (value === '') return '';
    let placeholder = aliases.get(value);
    if (!placeholder) aliases.set(value, (placeholder = `<${kind}${aliases.size}>`));
    return placeholder;
  };
  const channelName = (name: string): string => {
    const match = /^(.*)-([0-9a-f]{8})$/.exec(name);
    return match ? `${match[1]}-${alias('seq', name)}` : name;
  };

  const normalize = (value: unknown, field = '', parent?: Record<string, unknown>): Json => {
    if (Array.isArray(value)) return value.map((item) => normalize(item, field, parent));
    if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, normalize(item, key, object)]));
    }
    if (typeof value !== 'string') return value as Json;
    if (TIME_FIELDS.has(field)) return '<time>';
    if (ID_FIELDS.has(field)) return alias('id', value);
    if (field === 'name') return channelName(value);
    if (field === 'roundtrip_usec') return value === '0' ? '0' : '<rtt>';
    if (field === 'value' && parent?.['type'] === 'ChannelVarset') return variableValue(String(parent['variable']), value);
    return value;
  };

  const variableValue = (variable: string, value: string): Json => {
    if (variable.startsWith('RTPAUDIOQOS')) return '<rtp>';
    if (ELAPSED_VARIABLE.test(variable)) return value === '' ? '' : '<elapsed>';
    if (variable === 'BRIDGEPVTCALLID') return alias('id', value);
    if (variable === 'BRIDGEPEER' || variable === 'DIALEDPEERNAME') return channelName(value);
    return value;
  };

  return (value) => normalize(value);
}

/** Each event as one normalized JSON line, so diffs show the first event that differs and key order counts. */
export function normalizedLines(events: readonly unknown[]): string[] {
  const normalize = createNormalizer();
  return events.map((event) => JSON.stringify(normalize(event)));
}
