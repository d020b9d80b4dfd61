import { createRequire } from 'node:module';
import type { Provider } from './client.js';

/**
 * Remembers the query plans of reads.
 *
 * Prisma 6 compiles every query to a plan in WebAssembly before running it, anew for each call:
 * the five statements of a list of 4,000 extensions spent about 4 ms a request compiling (plans
 * are cached by Prisma itself only from 7.4). The plan of a read depends on nothing but the
 * request Prisma hands its compiler, a JSON text with the values in it, and the compiler's
 * data model: the same text gives the same plan. So the plans of reads are kept per compiler,
 * keyed by that text, in a bounded map that forgets the least recently used. Writes are always
 * compiled: their plans may hold values made at compile time (generated ids, `now()`).
 *
 * A kept plan is frozen, so that anything that tried to change a plan shared between requests
 * would throw instead of leaking into the next one.
 */

/** Plans kept per compiler. */
const MAX_PLANS = 500;
/** Requests longer than this (long `in` lists) are compiled each time: they seldom come twice. */
const MAX_REQUEST_LENGTH = 4096;
const READ_REQUEST = /^\{"modelName":"\w+","action":"(?:findMany|findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|aggregate|groupBy)",/;

type Compiler = { compile(request: string): unknown };
type CompilerClass = { prototype: Compiler };

const stats = { kept: 0, compiled: 0 };
const plansOf = new WeakMap<Compiler, Map<string, unknown>>();
const installed = new WeakSet<CompilerClass>();

/** How many queries took a kept plan and how many were compiled (writes included), since the process started. */
export function queryPlanStats(): Readonly<typeof stats> {
  return { ...stats };
}

/** Whether a read of this request text may take a kept plan. */
export function isCacheableRequest(request: string): boolean {
  return request.length <= MAX_REQUEST_LENGTH && READ_REQUEST.test(request);
}

/**
 * Keeps the plans of reads for the generated client of `provider`. Returns false (and changes
 * nothing) when the generated client's compiler is not what this expects, e.g. after an upgrade
 * of Prisma: then every query is compiled as before.
 */
export function installQueryPlanCache(provider: Provider): boolean {
  let compilerClass: CompilerClass | undefined;
  try {
    const require = createRequire(import.meta.url);
    compilerClass = (require(`../generated/prisma-${provider === 'sqlite' ? 'sqlite' : 'postgres'}/query_compiler_bg.js`) as { QueryCompiler?: CompilerClass }).QueryCompiler;
  } catch {
    return false;
  }
  if (!compilerClass || typeof compilerClass.prototype?.compile !== 'function') return false;
  if (installed.has(compilerClass)) return true;
  installed.add(compilerClass);
  const compile = compilerClass.prototype.compile;
  compilerClass.prototype.compile = function compileOrRecall(this: Compiler, request: string) {
    if (typeof request !== 'string' || !isCacheableRequest(request)) {
      stats.compiled += 1;
      return compile.call(this, request);
    }
    let plans = plansOf.get(this);
    if (!plans) plansOf.set(this, (plans = new Map()));
    const kept = plans.get(request);
    if (kept !== undefined) {
      // Most recently used last: a Map iterates in insertion order.
      plans.delete(request);
      plans.set(request, kept);
      stats.kept += 1;
      return kept;
    }
    const plan = deepFreeze(compile.call(this, request));
    stats.compiled += 1;
    plans.set(request, plan);
    if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value!);
    return plan;
  };
  return true;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
