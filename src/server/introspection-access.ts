import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { NotAuthenticatedError } from '../errors.js';
import type { Context } from '../resolvers/context.js';

/**
 * Introspection (`__schema`, `__type`) is answered to callers with a credential only. The whole
 * schema is about 600 KiB of JSON and some 30 ms of CPU a request: free to anyone, it let a
 * stranger keep the server busy without logging in, and told them every operation there is
 * (field suggestions are hidden for the same reason). Anyone who logs in, and every API key, may
 * introspect; `__typename` stays free. Checked before execution, when the caller is known.
 */
export function introspectionAccessPlugin(): Plugin<Context> {
  const introspects = new WeakMap<DocumentNode, boolean>();
  const asksForSchema = (document: DocumentNode) => {
    let found = introspects.get(document);
    if (found === undefined) {
      found = false;
      visit(document, {
        Field(node) {
          if (node.name.value === '__schema' || node.name.value === '__type') {
            found = true;
            return BREAK;
          }
          return undefined;
        },
      });
      introspects.set(document, found);
    }
    return found;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      if (context.principal || !asksForSchema(args.document)) return;
      // The refusal every other field gives (with the reason a refused token has), and the way in.
      const refusal = new NotAuthenticatedError(context.credentialRefusal).message;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`${refusal}. Introspection needs a credential: log in (mutation login) and send Authorization: Bearer <accessToken>, or an API key`, {
            extensions: { code: 'UNAUTHENTICATED' },
          }),
        ],
      });
    },
  };
}
