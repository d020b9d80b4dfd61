import type { Tx } from '../db/client.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { domains } from '../domains/registry.js';
import { zodIssues } from '../validation/issues.js';
import type { DestinationKindSpec } from '../domains/types.js';

/**
 * The one shape for "where a call goes" (ARCHITECTURE: Destination), shared by
 * no-answer targets, IVR keys, time rules, routes and every later feature.
 * The kinds come from the registry of domains: a kind exists once its
 * feature does.
 */
/** A destination as given: the kind, its target, and the kind's parameters by name (e.g. `greeting`). */
export type DestinationInput = { type: string; target?: string | null; [parameter: string]: unknown };

/** Stored form: the target object's id (or the text, e.g. an external number, or null) and the kind's parameters. */
export type StoredDestination = { type: string; target: string | null; parameters: Record<string, unknown> };

function kindOf(type: string, path: string[]): DestinationKindSpec {
  const spec = domains.destination(type);
  if (!spec) throw ValidationError.single([...path, 'type'], `no destination kind ${type} exists`, 'NOT_FOUND');
  return spec;
}

/** Checks the target (it exists and can take calls now) and the parameters; returns the stored form. Issues name `path`. */
export async function resolveDestination(tx: Tx, input: DestinationInput, path: string[]): Promise<StoredDestination> {
  const spec = kindOf(input.type, path);
  const { type: _type, target: _target, ...given } = input;
  const parameters = parseParameters(spec, given, path);
  const target = input.target?.trim() ?? '';
  switch (spec.target.kind) {
    case 'none':
      if (target) throw ValidationError.single([...path, 'target'], `${spec.type} takes no target`, 'NOT_ALLOWED');
      return { type: spec.type, target: null, parameters };
    case 'text':
      if (!spec.target.pattern.test(target)) throw ValidationError.single([...path, 'target'], spec.target.rule, 'INVALID_FORMAT');
      return { type: spec.type, target, parameters };
    case 'object': {
      const { noun } = spec.target;
      if (!target) throw ValidationError.single([...path, 'target'], `the ${noun} to send calls to is required`, 'REQUIRED');
      const id = await spec.target.find(tx, target);
      if (!id) throw ValidationError.single([...path, 'target'], `no ${noun} ${target} exists`, 'NOT_FOUND');
      const reason = await spec.target.unusable?.(tx, id);
      if (reason) throw ValidationError.single([...path, 'target'], `${noun} ${target} cannot take these calls: ${reason}`, 'UNUSABLE');
      return { type: spec.type, target: id, parameters };
    }
  }
}

/** The kind's parameters with their defaults; a parameter of another kind is refused, naming it. */
function parseParameters(spec: DestinationKindSpec, given: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined && v !== null));
  const shape = spec.parameters?.shape ?? {};
  const issues: FieldIssue[] = Object.keys(defined)
    .filter((name) => !(name in shape))
    .map((name) => ({ path: [...path, name], message: `not a parameter of ${spec.type}`, code: 'NOT_ALLOWED' }));
  if (issues.length) throw new ValidationError(issues);
  if (!spec.parameters) return {};
  const parsed = spec.parameters.safeParse(defined);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, path));
  return parsed.data;
}
