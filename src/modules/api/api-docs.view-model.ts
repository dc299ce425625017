/**
 * Shapes the OpenAPI document for the reference page (/api/docs): operations grouped by tag, each
 * with its parameters, body and responses. Schemas are shown as indented JSON, escaped by the
 * template like any other text.
 */
type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function typeText(schema: Json | undefined): string {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return `one of: ${(schema.enum as unknown[]).join(', ')}`;
  const parts = [String(schema.type ?? 'any')];
  if (schema.format) parts.push(`(${String(schema.format)})`);
  if (schema.minimum !== undefined && schema.maximum !== undefined)
    parts.push(`${String(schema.minimum)} to ${String(schema.maximum)}`);
  if (schema.maxLength !== undefined) parts.push(`up to ${String(schema.maxLength)} characters`);
  return parts.join(' ');
}

function refName(ref: unknown): string {
  return typeof ref === 'string' ? ref.split('/').pop()! : '';
}

export function apiReference(document: Json) {
  const info = document.info as Json;
  const components = document.components as { responses: Record<string, Json>; schemas: Json };
  const groups = new Map<string, Json[]>();
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const security = op.security as Json[];
      const action = op['x-required-action'];
      const parameters = ((op.parameters as Json[]) ?? []).map((p) => ({
        name: p.name,
        in: p.in,
        required: p.required,
        type: typeText(p.schema as Json),
        description: p.description ?? '',
      }));
      const body = op.requestBody as Json | undefined;
      // One media type per body: JSON, or multipart/form-data for uploads.
      const [bodyType, bodyContent] = body
        ? (Object.entries(body.content as Json)[0] as [string, Json])
        : [undefined, undefined];
      const bodySchema = bodyContent?.schema;
      const responses = Object.entries(op.responses as Record<string, Json>).map(([status, r]) => {
        if (r.$ref) {
          const name = refName(r.$ref);
          return {
            status,
            description: String(components.responses[name]?.description ?? ''),
            problem: true,
          };
        }
        const content = r.content as Json | undefined;
        const json = content?.['application/json'] as Json | undefined;
        const schema = json?.schema;
        return {
          status,
          description: String(r.description ?? ''),
          schema: schema ? pretty(schema) : null,
        };
      });
      const entry = {
        id: String(op.operationId),
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        description: op.description ?? '',
        access: action
          ? `Needs a token whose role may do “${String(action)}”.`
          : security.some((s) => Object.keys(s).length === 0)
            ? 'Public: no token needed (a token, if sent, must be valid).'
            : 'Needs a token.',
        parameters,
        body: bodySchema ? pretty(bodySchema) : null,
        bodyType,
        responses,
      };
      for (const tag of (op.tags as string[]) ?? ['Other']) {
        groups.set(tag, [...(groups.get(tag) ?? []), entry]);
      }
    }
  }
  return {
    title: info.title,
    version: info.version,
    introduction: String(info.description ?? '')
      .split('\n\n')
      .filter(Boolean),
    tags: [...groups].map(([name, operations]) => ({ name, operations })),
    problemSchema: pretty(components.schemas.Problem),
  };
}
