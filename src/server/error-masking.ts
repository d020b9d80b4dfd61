import { PothosSchemaError, PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import {
  AsteriskNotConnectedError,
  AuthenticationError,
  ConflictError,
  LimitExceededError,
  LoginLockedError,
  NotAuthenticatedError,
  NotFoundError,
  NotPermittedError,
  NumberConflictError,
  ReferencedError,
  ValidationError,
} from '../errors.js';
import type { Logger } from '../logger.js';

/** The code a client reads in `extensions.code` for each error of the domain. */
const codes = new Map<unknown, string>([
  [NotPermittedError, 'FORBIDDEN'],
  [NotAuthenticatedError, 'UNAUTHENTICATED'],
  [AuthenticationError, 'UNAUTHENTICATED'],
  [ValidationError, 'BAD_USER_INPUT'],
  [NotFoundError, 'NOT_FOUND'],
  [NumberConflictError, 'CONFLICT'],
  [ConflictError, 'CONFLICT'],
  [ReferencedError, 'CONFLICT'],
  [LimitExceededError, 'LIMIT_EXCEEDED'],
  [LoginLockedError, 'LOCKED'],
  [AsteriskNotConnectedError, 'ASTERISK_NOT_CONNECTED'],
]);

/** By name too: a dependency may load the other (CommonJS or ESM) copy of graphql. */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError || (error instanceof Error && error.name === 'GraphQLError');
}

/** Where an error happened: its nodes, or (from compiled execution) the document and offsets. */
function locationOf(error: unknown) {
  return isGraphQLError(error) ? { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path } : {};
}

/**
 * What a client is told of an error of a request: errors of the domain and of Pothos's argument checks
 * with their code, errors of parsing and validation as they are, anything else as "Unexpected error."
 * (code INTERNAL) while the server logs it.
 */
export function maskErrorFor(log: Logger) {
  return (error: unknown, message: string): Error => {
    const original = isGraphQLError(error) ? (error.originalError ?? error) : error;
    const coded = (text: string, code: string) => new GraphQLError(text, { ...locationOf(error), extensions: { code } });
    // Pothos's refusals of arguments (a cursor that is not one) are bad input; so is an ID of a type the
    // schema does not have, which Pothos reports as a type "not implemented" while resolving node(id:).
    if (original instanceof PothosValidationError) return coded(original.message, 'BAD_USER_INPUT');
    const unknownType = original instanceof PothosSchemaError ? /^(\w+) has not been implemented$/.exec(original.message)?.[1] : undefined;
    if (unknownType) return coded(`No object has this ID: ${unknownType === 'InvalidGlobalID' ? 'it is not a global ID' : `its type ${unknownType} is not one of this schema`}`, 'BAD_USER_INPUT');
    // An ID naming a type that is not an object type (an interface such as Trunk, a scalar): Pothos looks it up as one.
    const notObject = original instanceof PothosSchemaError ? /^Expected ref to resolve to a Object type, but got (\w+)$/.exec(original.message)?.[1] : undefined;
    if (notObject) return coded(`No object has this ID: its type is not a type of object (it is of kind ${notObject})`, 'BAD_USER_INPUT');
    // Errors of parsing and validation (limits included) have no path: they are the client's to read.
    if (isGraphQLError(error) && !error.path) return error;
    if (isGraphQLError(original)) return original;
    const code = original instanceof Error ? codes.get(original.constructor) : undefined;
    if (code) return coded((original as Error).message, code);
    log.error({ err: original }, 'unexpected error in a request');
    return coded(message, 'INTERNAL');
  };
}
