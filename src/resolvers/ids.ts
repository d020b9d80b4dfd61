import { encodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError } from '../errors.js';

/** The internal id of a decoded Relay global ID, checked to be of the expected type. */
export function decodeId(globalId: { typename: string; id: string }, typename: string): string {
  if (globalId.typename !== typename) throw new NotFoundError(typename, `${globalId.typename}:${globalId.id}`);
  return globalId.id;
}

/** The Relay global ID of an object of a GraphQL type. */
export function encodeGlobalId(typename: string, id: string): string {
  return encodeGlobalID(typename, id);
}
