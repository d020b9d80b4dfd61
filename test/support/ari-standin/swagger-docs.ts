import { MODELS, type ModelSpec } from './swagger-models.js';
import { OPERATIONS, RESOURCE_DESCRIPTIONS, type OperationSpec, type ParamSpec, type ResourceName } from './operations.js';

// Generates the Swagger 1.1 documents Asterisk serves under /ari/api-docs/,
// restricted to the operations in OPERATIONS. Like Asterisk, basePath is
// absolute and built from the request's Host header.

const RESOURCE_LISTING_VERSION = '10.0.0';
const API_DECLARATION_VERSION = '2.0.0';

export const DOCUMENTED_RESOURCES = Object.keys(RESOURCE_DESCRIPTIONS) as ResourceName[];

export function isDocumentedResource(name: string): name is ResourceName {
  return (DOCUMENTED_RESOURCES as string[]).includes(name);
}

export function resourceListing(basePath: string): object {
  return {
    apiVersion: RESOURCE_LISTING_VERSION,
    swaggerVersion: '1.1',
    basePath,
    apis: DOCUMENTED_RESOURCES.map((resource) => ({
      path: `/api-docs/${resource}.{format}`,
      description: RESOURCE_DESCRIPTIONS[resource],
    })),
  };
}

export function apiDeclaration(resource: ResourceName, basePath: string): object {
  const byPath = new Map<string, OperationSpec[]>();
  for (const operation of OPERATIONS as readonly OperationSpec[]) {
    if (operation.resource !== resource) continue;
    byPath.set(operation.path, [...(byPath.get(operation.path) ?? []), operation]);
  }
  return {
    apiVersion: API_DECLARATION_VERSION,
    swaggerVersion: '1.1',
    basePath,
    resourcePath: `/api-docs/${resource}.{format}`,
    apis: [...byPath].map(([path, operations]) => ({
      path,
      description: operations[0]?.summary ?? '',
      operations: operations.map(operationJson),
    })),
    models: Object.fromEntries(Object.entries(MODELS[resource]).map(([id, model]) => [id, modelJson(id, model)])),
  };
}

function operationJson(operation: OperationSpec): object {
  return {
    httpMethod: operation.method,
    summary: operation.summary,
    nickname: operation.nickname,
    responseClass: operation.responseClass,
    ...(operation.upgrade ? { upgrade: operation.upgrade, websocketProtocol: 'ari' } : {}),
    parameters: operation.params.map(parameterJson),
    errorResponses: operation.errors.map(([code, reason]) => ({ code, reason })),
  };
}

function parameterJson(param: ParamSpec): object {
  return {
    name: param.name,
    paramType: param.paramType,
    required: param.required,
    allowMultiple: param.allowMultiple,
    dataType: param.dataType,
    ...(param.allowedValues ? { allowableValues: { valueType: 'LIST', values: param.allowedValues } } : {}),
  };
}

function modelJson(id: string, model: ModelSpec): object {
  return {
    id,
    description: model.description,
    properties: Object.fromEntries(
      Object.entries(model.properties).map(([name, type]) => {
        const optional = type.endsWith('?');
        return [name, { type: optional ? type.slice(0, -1) : type, required: !optional }];
      }),
    ),
    ...(model.subTypes ? { subTypes: model.subTypes } : {}),
    ...(model.discriminator ? { discriminator: model.discriminator } : {}),
  };
}
