import { getArgumentValues } from 'graphql/execution/values.js';
import {
  GraphQLError,
  getOperationAST,
  Kind,
  visit,
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { summarize } from '../audit/redact.js';
import type { AuditRecord } from '../audit/audit-log.js';
import type { Context } from '../resolvers/context.js';
import { costFigure, operationCost, priceFields } from './operation-cost.js';

const limits = { aliases: 15, depth: 12, cost: 300000, tokens: 4000, directives: 20 };

/** Depth, alias, cost and size limits against abusive documents. */
export function limitsPlugin() {
  const costRefusal = refusal('COST_LIMIT', (found) => `Cost limit exceeded: cost ${found}, at most ${limits.cost}`);
  return EnvelopArmorPlugin({
    // `__typename` counts too: armor exempts it by default, and a thousand aliases of it are still a thousand fields.
    maxAliases: { n: limits.aliases, allowList: [], ...refusal('ALIAS_LIMIT', (found) => `Aliases limit exceeded: ${found} aliases, at most ${limits.aliases}`) },
    maxDepth: { n: limits.depth, ...refusal('DEPTH_LIMIT', (found) => `Depth limit exceeded: ${found} levels, at most ${limits.depth}`) },
    // Cost grows 1.5× per level and is multiplied by a literal `first`: a 4,000-row extension page
    // with departments and dial permission costs about 206,000 as armor counts it, 253,250 with its
    // departments counted as the two an extension may have; every field of 500 rows about 75,000.
    // A list without a page size counts as the objects it may hold, a QR image (ExtensionQrCode.pngDataUrl)
    // as QR_IMAGE_COST scalars: see src/server/operation-cost.ts.
    costLimit: { maxCost: limits.cost, ...costRefusal, onAccept: [priceFields({ maxCost: limits.cost, onReject: costRefusal.onReject })] },
    maxTokens: { n: limits.tokens, ...refusal('TOKEN_LIMIT', () => `Token limit exceeded: more than ${limits.tokens} tokens`) },
    maxDirectives: { n: limits.directives, ...refusal('DIRECTIVE_LIMIT', (found) => `Directives limit exceeded: ${found} directives, at most ${limits.directives}`) },
    blockFieldSuggestion: { enabled: true },
  });
}

/**
 * Armor prices a document at validation, where a `first: $n` counts as one row: a page size given by a
 * variable passed for the price of one (and `nodes(ids: $ids)` for a guess). Before execution, a
 * document with such a size is priced again with the request's variables (the same units and prices)
 * and refused the same way when over.
 */
export function variablePageCostPlugin(): Plugin {
  const check = (args: ExecutionArgs, stop: (result: { errors: GraphQLError[] }) => void) => {
    if (!hasVariableSize(args.document)) return;
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return;
    const fragments = new Map(args.document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const context = { getSchema: () => args.schema, getFragment: (name: string) => fragments.get(name) ?? null };
    const { priced } = operationCost(context, operation, { variables: args.variableValues ?? {} });
    if (priced > limits.cost) stop({ errors: [new GraphQLError(`Cost limit exceeded: cost ${costFigure(priced)}, at most ${limits.cost}`, { extensions: { code: 'COST_LIMIT' } })] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}

/** Whether a page size (`first`, `last`) or a list of ids (`ids`) is given by a variable. */
function hasVariableSize(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Argument(node) {
      if (['first', 'last', 'ids'].includes(node.name.value) && node.value.kind === Kind.VARIABLE) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Armor's own refusal is a "Syntax Error: …" thrown out of validation (HTTP 200, no code); ours is a
 * validation error with a code, which yoga answers like any other (400 under graphql-response+json).
 * Armor tells what it found only in its message, so the figure is read from there.
 */
function refusal(code: string, describe: (found: string) => string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, armorError: GraphQLError) => {
        const found = /found (\d+(?:\.\d+)?)/.exec(armorError.message)?.[1] ?? 'too many';
        const error = new GraphQLError(describe(found), { extensions: { code } });
        // The token limit counts while parsing: there is no validation context, and parsing must stop.
        if (!context) throw error;
        context.reportError(error);
      },
    ],
  };
}

const credentialFields = new Set(['login', 'refreshTokens', 'changeMyPassword']);

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
 * caller, client IP, outcome, duration and the redacted arguments; and one
 * entry per query that read secrets (SIP passwords, PINs, QR codes, exports,
 * dry-run diffs), naming what it read and how many.
 */
export function auditPlugin(): Plugin<Context> {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      if (operation.operation === 'query') return auditSecretReads(args.contextValue, args.operationName ?? operation.name?.value ?? null);
      if (operation.operation !== 'mutation') return;
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
            let input: string;
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
          // A mutation refused to a caller without a credential did nothing and names nobody: written, such
          // refusals would let any stranger fill the disk (15 rows a request). The metrics count them.
          await ctx.services.auditLog.write(ctx.principal ? records : records.filter((r) => r.outcome !== 'NotPermittedError'));
        },
      };
    },
  };
}

function auditSecretReads(ctx: Context, operationName: string | null) {
  const started = performance.now();
  return {
    async onExecuteDone() {
      if (!ctx.secretReads?.size) return;
      await ctx.services.auditLog.write([
        {
          time: new Date(),
          ip: ctx.ip,
          username: ctx.principal?.username ?? null,
          role: ctx.principal?.role ?? null,
          operation: 'readSecrets',
          operationName,
          outcome: 'OK',
          durationMs: performance.now() - started,
          input: JSON.stringify(Object.fromEntries(ctx.secretReads)),
        },
      ]);
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
