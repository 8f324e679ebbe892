import { openApiDocument } from '../../../shared/triggers/openapi';

/**
 * Checks a handler's JSON answer against the OpenAPI document's schema for that operation and
 * status: enough of JSON Schema for what the document uses (type, required, properties,
 * additionalProperties, items, enum, oneOf, $ref, minItems).
 */
type Schema = Record<string, unknown>;
const doc = openApiDocument() as {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, Schema> }>>;
  components: { schemas: Record<string, Schema> };
};

export function responseSchema(operationId: string, status: number): Schema | undefined {
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) {
      if (op.operationId !== operationId) continue;
      const response = op.responses[String(status)] as
        { content?: Record<string, { schema: Schema }> } | undefined;
      if (!response) throw new Error(`${operationId} does not document status ${status}`);
      return response.content?.['application/json']?.schema;
    }
  }
  throw new Error(`no operation ${operationId} in the OpenAPI document`);
}

export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() ?? '';
    const target = doc.components.schemas[name];
    if (!target) return [`${path}: unknown $ref ${schema.$ref}`];
    return validate(target, value, path);
  }
  if (Array.isArray(schema.oneOf)) {
    const ok = (schema.oneOf as Schema[]).filter((s) => validate(s, value, path).length === 0);
    return ok.length === 1 ? [] : [`${path}: matches ${ok.length} of oneOf`];
  }
  const problems: string[] = [];
  const type = schema.type;
  if (type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return [`${path}: expected an object`];
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (record[key] === undefined) problems.push(`${path}.${key}: required`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, item] of Object.entries(record)) {
      if (item === undefined) continue;
      const property = properties[key];
      if (property) problems.push(...validate(property, item, `${path}.${key}`));
      else if (schema.additionalProperties === false)
        problems.push(`${path}.${key}: not in the schema`);
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...validate(schema.additionalProperties as Schema, item, `${path}.${key}`));
    }
  } else if (type === 'array') {
    if (!Array.isArray(value)) return [`${path}: expected an array`];
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      problems.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items)
      value.forEach((v, i) =>
        problems.push(...validate(schema.items as Schema, v, `${path}[${i}]`)),
      );
  } else if (type === 'string') {
    if (typeof value !== 'string') return [`${path}: expected a string`];
  } else if (type === 'integer') {
    if (!Number.isInteger(value)) return [`${path}: expected an integer`];
  } else if (type === 'number') {
    if (typeof value !== 'number') return [`${path}: expected a number`];
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') return [`${path}: expected a boolean`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  return problems;
}

/** Throws with every mismatch when `body` does not fit the documented response. */
export function expectDocumented(operationId: string, status: number, body: unknown): void {
  const schema = responseSchema(operationId, status);
  if (!schema) return;
  const problems = validate(schema, body);
  if (problems.length)
    throw new Error(
      `${operationId} ${status} does not match the OpenAPI document:\n${problems.join('\n')}`,
    );
}
