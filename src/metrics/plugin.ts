import { getOperationAST, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

/**
 * Counts and times every executed operation (outcome ok, rejected: a mutation answered with a typed
 * error, or error: the answer has errors), and follows every subscription from its start to its end. */
export function metricsPlugin(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const labels = operationLabels(args.document, args.operationName);
      if (!labels) return;
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          metrics.requests.inc({ ...labels, outcome: result.errors?.length ? 'error' : answeredWithTypedError(args.contextValue) ? 'rejected' : 'ok' });
          metrics.requestSeconds.observe(labels, (performance.now() - started) / 1000);
        },
      };
    },
    onSubscribe({ args }) {
      const labels = operationLabels(args.document, args.operationName);
      if (!labels) return;
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            metrics.requests.inc({ ...labels, outcome: 'error' });
            return;
          }
          metrics.requests.inc({ ...labels, outcome: 'ok' });
          metrics.subscriptions.inc({ field: labels.field });
          return {
            onNext: () => metrics.subscriptionDeliveries.inc({ field: labels.field }),
            onEnd: () => metrics.subscriptions.dec({ field: labels.field }),
          };
        },
      };
    },
  };
}

/**
 * Whether a mutation of the operation answered with one of its typed errors (NotFoundError,
 * ValidationError…): such an answer has no `errors`, yet nothing was done. The outcome of each
 * mutation is the one the audit log records (`audited` in resolvers/errors.ts).
 */
function answeredWithTypedError(context: unknown): boolean {
  const outcomes = (context as { outcomes?: Map<string, string> } | undefined)?.outcomes;
  if (!outcomes) return false;
  for (const outcome of outcomes.values()) if (outcome !== 'OK') return true;
  return false;
}

/** The operation's type and its first root field: names the schema bounds (an operation's own name is the client's choice). */
function operationLabels(document: DocumentNode, operationName: string | null | undefined): { type: string; field: string } | null {
  const operation = getOperationAST(document, operationName);
  return operation ? { type: operation.operation, field: rootField(operation) } : null;
}

function rootField(operation: OperationDefinitionNode): string {
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value !== '__typename') return selection.name.value;
  }
  return operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD) ? '__typename' : '(fragment)';
}
