import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { NotAuthenticatedError } from '../errors.js';
import type { Context } from '../resolvers/context.js';

/**
 * A request whose credential is refused (an access token that has expired, say) runs as an anonymous
 * one, so that a client sending its old token along with `refreshSession` or `login` still gets in.
 * What it may not do as a stranger is refused with code UNAUTHENTICATED, and the error says why its
 * credential was refused. Scope-auth's refusals say so themselves (they see the context); this adds
 * the reason to those raised where only the principal is known ("Not authenticated" from a service).
 */
export function credentialRefusalReasons(): Plugin<Context> {
  const withReason =
    (reason: string) =>
    ({ result, setResult }: { result: ExecutionResult | AsyncIterable<ExecutionResult>; setResult: (result: ExecutionResult) => void }) => {
      if (Symbol.asyncIterator in result || !result.errors?.some(isReasonless)) return;
      setResult({ ...result, errors: result.errors.map((error) => (isReasonless(error) ? reasoned(error, reason) : error)) });
    };
  return {
    onExecute({ args }) {
      const reason = (args.contextValue as Context).credentialRefusal;
      if (reason) return { onExecuteDone: withReason(reason) };
    },
    onSubscribe({ args }) {
      const reason = (args.contextValue as Context).credentialRefusal;
      if (reason) return { onSubscribeResult: withReason(reason) };
    },
  };
}

const reasonless = new NotAuthenticatedError().message;

function isReasonless(error: GraphQLError): boolean {
  const original = error.originalError ?? error;
  return original instanceof NotAuthenticatedError ? original.message === reasonless : error.extensions?.code === 'UNAUTHENTICATED' && error.message === reasonless;
}

function reasoned(error: GraphQLError, reason: string): GraphQLError {
  const original = new NotAuthenticatedError(reason);
  return new GraphQLError(original.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: original,
    extensions: error.extensions,
  });
}
