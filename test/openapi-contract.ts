/**
 * Checks an API answer against the OpenAPI document the app serves: the status must be documented
 * for that operation, with that content type, and the body must validate against its schema
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
import request from 'supertest';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Contract {
  doc: Json;
  ajv: Ajv2020;
  /** Asserts `res` is a documented answer of `method path` (path as in the document, `{name}`). */
  conforms(path: string, method: string, res: request.Response): void;
}

export async function loadContract(app: Express): Promise<Contract> {
  const doc: Json = (await request(app).get('/api/v1/openapi.json').expect(200)).body;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi');
  const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

  function conforms(path: string, method: string, res: request.Response) {
    let response = doc.paths[path]?.[method]?.responses[String(res.status)];
    expect({ path, method, status: res.status, documented: Boolean(response) }).toEqual({
      path,
      method,
      status: res.status,
      documented: true,
    });
    let ref = `openapi#/paths/${pointer(path)}/${method}/responses/${res.status}`;
    if (response.$ref) {
      ref = `openapi${response.$ref}`;
      response = doc.components.responses[response.$ref.split('/').pop()];
    }
    if (!response.content) {
      expect({ path, status: res.status, body: res.text ?? '' }).toEqual({
        path,
        status: res.status,
        body: '',
      });
      return;
    }
    const [type] = Object.keys(response.content);
    // A file download is documented as any type: it is sent with the type stored for the file.
    if (type === '*/*') {
      expect({ path, status: res.status, type: res.type }).toEqual({
        path,
        status: res.status,
        type: expect.stringMatching(/\w+\/\w+/),
      });
      return;
    }
    expect(res.type).toBe(type);
    const validate = ajv.compile({ $ref: `${ref}/content/${pointer(type!)}/schema` });
    const body = res.type === 'application/problem+json' ? JSON.parse(res.text) : res.body;
    const ok = validate(body);
    expect({ path, status: res.status, errors: ok ? null : validate.errors }).toEqual({
      path,
      status: res.status,
      errors: null,
    });
  }

  return { doc, ajv, conforms };
}
