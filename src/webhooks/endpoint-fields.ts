import { IssueCollector, type FieldIssue } from '../errors.js';
import { webhookEventTypes, type WebhookEventType } from './contract.js';

/**
 * An endpoint's fields as stored and as checked: event types are stored
 * comma-separated; a URL is http(s), absolute, without credentials (they
 * would show in every listing) and at most 2,000 characters.
 */
export const MAX_URL_LENGTH = 2000;
export const MAX_DESCRIPTION_LENGTH = 500;

export function parseEventTypes(stored: string): string[] {
  return stored
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function storeEventTypes(types: readonly string[]): string {
  return types.join(',');
}

/** The URL, or the issues at `path`. */
export function checkUrl(text: string, path: string[]): { url: URL | null; issues: FieldIssue[] } {
  const issues = new IssueCollector();
  let url: URL | null = null;
  if (text.length > MAX_URL_LENGTH) issues.add(path, `at most ${MAX_URL_LENGTH} characters`, 'OUT_OF_BOUNDS');
  else {
    try {
      url = new URL(text);
    } catch {
      issues.add(path, 'not an absolute URL (e.g. https://crm.example.com/pbx-events)', 'INVALID_FORMAT');
    }
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') issues.add(path, `only http and https receivers are supported, not ${url.protocol.replace(/:$/, '')}`, 'UNSUPPORTED_SCHEME');
  else if (url && (url.username || url.password)) issues.add(path, 'credentials in the URL are not accepted: put a token in the path or query, the signature proves the sender', 'INVALID_FORMAT');
  else if (url && !url.hostname) issues.add(path, 'the URL has no host', 'INVALID_FORMAT');
  return { url: issues.empty ? url : null, issues: issues.issues };
}

/** The event types, each known and listed once, at least one. */
export function checkEventTypes(types: readonly string[], path: string[]): { types: WebhookEventType[]; issues: FieldIssue[] } {
  const issues = new IssueCollector();
  if (!types.length) issues.add(path, `choose at least one of ${webhookEventTypes.join(', ')}`, 'REQUIRED');
  const seen = new Set<string>();
  types.forEach((type, i) => {
    if (!(webhookEventTypes as readonly string[]).includes(type)) issues.add([...path, String(i)], `unknown event type ${type}: one of ${webhookEventTypes.join(', ')}`, 'INVALID_VALUE');
    else if (seen.has(type)) issues.add([...path, String(i)], `${type} is listed twice`, 'DUPLICATE');
    seen.add(type);
  });
  return { types: issues.empty ? (types as WebhookEventType[]) : [], issues: issues.issues };
}
