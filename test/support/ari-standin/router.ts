import type { HttpMethod, OperationSpec } from './operations.js';

export type RouteResult = { kind: 'matched'; operation: OperationSpec; pathVars: Record<string, string> } | { kind: 'not-found' } | { kind: 'method-not-allowed'; allow: HttpMethod[] };

interface RouteNode {
  explicit: Map<string, RouteNode>;
  wildcard: { name: string; node: RouteNode } | undefined;
  operations: Map<HttpMethod, OperationSpec>;
}

const newNode = (): RouteNode => ({ explicit: new Map(), wildcard: undefined, operations: new Map() });

/**
 * Resolves decoded path segments the way res_ari walks its handler tree: an
 * explicit segment wins over a `{variable}`, and a segment neither matches is
 * `404 Resource not found` (which is why `deviceStates/PJSIP/100` is a 404).
 */
export function createRouter(operations: readonly OperationSpec[]): (method: string, segments: string[]) => RouteResult {
  const root = newNode();
  for (const operation of operations) {
    let node = root;
    for (const segment of operation.path.split('/').filter(Boolean)) {
      const variable = /^\{(.+)\}$/.exec(segment)?.[1];
      if (variable) {
        node.wildcard ??= { name: variable, node: newNode() };
        node = node.wildcard.node;
      } else {
        let child = node.explicit.get(segment);
        if (!child) node.explicit.set(segment, (child = newNode()));
        node = child;
      }
    }
    node.operations.set(operation.method, operation);
  }

  return (method, segments) => {
    let node = root;
    const pathVars: Record<string, string> = {};
    for (const segment of segments) {
      const explicit = node.explicit.get(segment);
      if (explicit) {
        node = explicit;
      } else if (node.wildcard) {
        pathVars[node.wildcard.name] = segment;
        node = node.wildcard.node;
      } else {
        return { kind: 'not-found' };
      }
    }
    const operation = node.operations.get(method as HttpMethod);
    if (operation) return { kind: 'matched', operation, pathVars };
    return { kind: 'method-not-allowed', allow: [...node.operations.keys()] };
  };
}
