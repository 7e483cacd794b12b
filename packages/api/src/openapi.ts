import { VERSION } from '@tensornode/core';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from './root.ts';

/** Where the REST surface is served; each documented path sits under it. */
export const REST_BASE_PATH = '/v1';

/**
 * The OpenAPI 3.1 document of the REST surface: the procedures that carry `.meta({ openapi })`,
 * described from their own zod input and output schemas.
 */
export function buildOpenApiDocument(): OpenAPIObject {
  return generateOpenApiDocument(appRouter, {
    title: 'TensorNode API',
    description:
      'REST view of the TensorNode control plane. The same procedures answer over tRPC at /trpc, with the same ' +
      'bearer tokens, roles (viewer < operator < admin) and rate limits. Errors are JSON `{ message, code, issues? }`.',
    version: VERSION,
    baseUrl: REST_BASE_PATH,
    docsUrl: '/docs',
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API token (`tn_…`), created with `auth.tokens.create`',
      },
    },
  });
}

/**
 * Query parameters documented as booleans. The REST adapter coerces query strings with
 * `Boolean(value)`, which reads "false" as true, so these are checked before it runs.
 */
export function booleanQueryParameters(document: OpenAPIObject): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const parameter of item.get?.parameters ?? []) {
      if (!('in' in parameter) || parameter.in !== 'query') continue;
      const schema = parameter.schema;
      if (schema && 'type' in schema && schema.type === 'boolean') {
        const names = byPath.get(path) ?? new Set<string>();
        names.add(parameter.name);
        byPath.set(path, names);
      }
    }
  }
  return byPath;
}
