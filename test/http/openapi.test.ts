import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { generateOpenApi, OPENAPI_PATH } from '../../scripts/generate-openapi.js';
import { loadConfig } from '../../src/config.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

describe('openapi/openapi.json', () => {
  it('matches what the routes generate (run `npm run openapi` after changing a schema)', async () => {
    const committed = await readFile(OPENAPI_PATH, 'utf8');
    expect(committed).toBe(await generateOpenApi());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(document)).resolves.toBeTruthy();
  });

  it("names the package's version, a relative server, and the server's waitMs cap as the maximum", async () => {
    const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(document.info.version).toBe(pkg.version);
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const maxWaitMs = loadConfig({}).maxWaitMs;
    const tail = document.paths['/v1/streams/{stream}/messages'].get.parameters.find((p: { name: string }) => p.name === 'waitMs');
    expect(tail.schema.maximum).toBe(maxWaitMs);
    const read = document.paths['/v1/streams/{stream}/groups/{group}/consumers/{consumer}/read'].post.requestBody;
    expect(read.content['application/json'].schema.properties.waitMs.maximum).toBe(maxWaitMs);
  });

  it('gives every operation a unique camelCase operationId, an x-redis-command, a tag and a summary', async () => {
    const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
    const ids: string[] = [];
    for (const [path, item] of Object.entries<Record<string, Record<string, unknown>>>(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${method.toUpperCase()} ${path}`;
        expect(operation.operationId, where).toMatch(/^[a-z]+[A-Za-z]*$/);
        expect(operation['x-redis-command'], where).toMatch(/^[A-Z]/);
        expect(operation.tags, where).toHaveLength(1);
        expect(operation.summary, where).toBeTruthy();
        ids.push(operation.operationId as string);
      }
    }
    expect(ids.length).toBeGreaterThanOrEqual(28);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents a problem+json answer for every error status of the v1 routes', async () => {
    const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
    for (const [path, item] of Object.entries<Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
        expect(errors.map(([status]) => status), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '500', '503']));
        for (const [status, response] of errors) {
          expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
  });
});
