import { Type } from '@sinclair/typebox';
import { ajv, fieldErrors, withMessages } from './validation';
import { ValidationError } from './errors';

const Input = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 5 }),
    count: Type.Optional(Type.Integer({ minimum: 1, description: 'a whole number from 1' })),
  },
  { additionalProperties: false },
);

describe('one mapping from schema errors to messages', () => {
  const messages = {
    name: (given: unknown) => (given === undefined ? 'Enter a name' : 'Keep the name short'),
  };
  const checkInput = withMessages(ajv.compile(Input), messages);

  test('uses the message declared beside the schema, chosen from what was sent', () => {
    expect(checkInput.errors({})).toEqual([{ field: 'name', message: 'Enter a name' }]);
    expect(checkInput.errors({ name: 'far too long' })).toEqual([
      { field: 'name', message: 'Keep the name short' },
    ]);
  });

  test('falls back to words from the schema for a field without a message', () => {
    expect(checkInput.errors({ name: 'ok', count: 0 })).toEqual([
      { field: 'count', message: 'count must be a whole number from 1' },
    ]);
    expect(checkInput.errors({ name: 'ok', extra: 1 })).toEqual([
      { field: 'extra', message: 'extra is not a recognised parameter' },
    ]);
  });

  test('throws a ValidationError naming every field at fault, once each', () => {
    expect(() => checkInput({ count: 'x', extra: true })).toThrow(ValidationError);
    try {
      checkInput({ count: 'x', extra: true });
    } catch (e) {
      expect((e as ValidationError).errors.map((f) => f.field).sort()).toEqual([
        'count',
        'extra',
        'name',
      ]);
    }
    expect(checkInput({ name: 'ok' })).toEqual({ name: 'ok' });
  });

  test('an error about the whole input is kept only when it is the only one', () => {
    const root = {
      instancePath: '',
      schemaPath: '#',
      keyword: 'type',
      params: {},
      message: 'must be object',
    };
    const field = { ...root, instancePath: '/name', message: 'must be string' };
    expect(fieldErrors([root], { '(root)': 'Send an object' })).toEqual([
      { field: '(root)', message: 'Send an object' },
    ]);
    expect(fieldErrors([root, field]).map((e) => e.field)).toEqual(['name']);
  });
});
