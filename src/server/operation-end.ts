import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../resolvers/context.js';

/**
 * Ends a subscription's operation (aborts `ctx.operation`) when its stream ends, fails or is closed
 * by its client or by the server: the sources it waits on end at once (endsWithOperation), whichever
 * transport carries it.
 */
export function subscriptionOperationEnd(): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const operation = (args.contextValue as Context).operation;
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) setResult(endingOperation(result, () => operation.abort()));
          else operation.abort();
        },
      };
    },
  };
}

function endingOperation(source: AsyncIterable<ExecutionResult>, end: () => void): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return() {
      end();
      return (await iterator.return?.()) ?? { value: undefined, done: true };
    },
    async throw(error: unknown) {
      end();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}
