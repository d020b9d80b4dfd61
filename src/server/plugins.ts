import { getArgumentValues } from 'graphql/execution/values.js';
import { GraphQLError, getOperationAST, Kind, type FieldNode, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { summarize } from '../audit/redact.js';
import type { AuditRecord } from '../audit/audit-log.js';
import type { Context } from '../resolvers/context.js';

/** Depth, alias, cost and size limits against abusive documents. */
export function limitsPlugin() {
  return EnvelopArmorPlugin({
    maxAliases: { n: 15 },
    maxDepth: { n: 12 },
    // Cost grows 1.5× per level and is multiplied by a literal `first`: a 4,000-row extension page
    // with departments and dial permission costs about 206,000; every field of 500 rows about 75,000.
    costLimit: { maxCost: 300000 },
    maxTokens: { n: 4000 },
    maxDirectives: { n: 20 },
    blockFieldSuggestion: { enabled: true },
  });
}

const credentialFields = new Set(['login', 'refreshTokens']);

/** A document may try one credential at most: no batching of login attempts. */
const oneCredentialAttempt: ValidationRule = (context) => {
  let seen = 0;
  return {
    Field(node) {
      if (!credentialFields.has(node.name.value)) return;
      seen += 1;
      if (seen === 2) context.reportError(new GraphQLError('A request may contain one login or refreshTokens field at most', { nodes: [node], extensions: { code: 'TOO_MANY_CREDENTIAL_ATTEMPTS' } }));
    },
  };
};

export function credentialLimitPlugin(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(oneCredentialAttempt);
    },
  };
}

/**
 * Writes one audit entry per executed mutation field (F-7.9.1), with the
 * caller, client IP, outcome, duration and the redacted arguments.
 */
export function auditPlugin(): Plugin<Context> {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || operation.operation !== 'mutation') return;
      const started = performance.now();
      return {
        async onExecuteDone({ result }) {
          if (!('errors' in result) && !('data' in result)) return;
          const ctx = args.contextValue as Context;
          const mutationType = args.schema.getMutationType()!;
          const failedKeys = new Set((result.errors ?? []).map((e) => e.path?.[0]).filter((k): k is string => typeof k === 'string'));
          const durationMs = performance.now() - started;
          const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
          const records: AuditRecord[] = fields.map((field) => {
            const key = field.alias?.value ?? field.name.value;
            const definition = mutationType.getFields()[field.name.value];
            let input = '{}';
            try {
              input = definition ? summarize(getArgumentValues(definition, field, args.variableValues ?? {})) : '{}';
            } catch {
              input = '"(arguments could not be read)"';
            }
            const attempted = field.name.value === 'login' ? readUsername(definition, field, args.variableValues) : null;
            return {
              time: new Date(),
              ip: ctx.ip,
              username: ctx.principal?.username ?? attempted,
              role: ctx.principal?.role ?? null,
              operation: field.name.value,
              operationName: args.operationName ?? operation.name?.value ?? null,
              outcome: ctx.outcomes.get(key) ?? (failedKeys.has(key) ? 'ERROR' : 'OK'),
              durationMs,
              input,
            };
          });
          await ctx.services.auditLog.write(records);
        },
      };
    },
  };
}

function readUsername(definition: Parameters<typeof getArgumentValues>[0] | undefined, field: FieldNode, variables: Record<string, unknown> | null | undefined): string | null {
  if (!definition) return null;
  try {
    const value = getArgumentValues(definition, field, variables ?? {}).username;
    return typeof value === 'string' ? value.slice(0, 64) : null;
  } catch {
    return null;
  }
}
