const secretKey = /(password|secret|pin|token|apikey|api_key|credential)/i;
const MAX_SUMMARY = 2000;
/** A web address with a query or fragment: receivers often take a token there (a webhook's `?token=`). */
const addressWithQuery = /^(https?:\/\/[^?#\s]*)[?#]/i;

/**
 * A summary of a mutation's input for the audit log: secrets replaced (the
 * query of a web address too), uploads reduced to name and size, long strings
 * and lists shortened.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '…';
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') {
    const address = addressWithQuery.exec(value);
    if (address) return `${address[1]}?[REDACTED]`;
    return value.length > 200 ? `${value.slice(0, 200)}…(${value.length} chars)` : value;
  }
  if (typeof value !== 'object') return value;
  if (typeof (value as { arrayBuffer?: unknown }).arrayBuffer === 'function' && 'name' in value) {
    const file = value as { name: string; size?: number };
    return { file: file.name, size: file.size };
  }
  if (Array.isArray(value)) {
    const head = value.slice(0, 20).map((v) => redact(v, depth + 1));
    return value.length > 20 ? [...head, `…(${value.length} items)`] : head;
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, secretKey.test(k) && v !== null && v !== undefined && v !== '' ? '[REDACTED]' : redact(v, depth + 1)]),
  );
}

export function summarize(args: unknown): string {
  const text = JSON.stringify(redact(args)) ?? '{}';
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY)}…` : text;
}
