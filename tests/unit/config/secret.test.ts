import { format, inspect } from 'node:util';
import { Secret } from '../../../lib/config/secret.js';

describe('Secret', () => {
  const value = 'pa$$w0rd-"quoted"';

  it('hands out the real value only through reveal()', () => {
    expect(new Secret(value).reveal()).toBe(value);
  });

  it('shows *** in JSON, string conversion, template literals and util.inspect', () => {
    const secret = new Secret(value);
    expect(JSON.stringify({ password: secret })).toBe('{"password":"***"}');
    expect(String(secret)).toBe('***');
    expect(`${secret}`).toBe('***');
    expect(inspect(secret)).toBe('Secret(***)');
    expect(inspect({ nested: { secret } }, { depth: 5 })).not.toContain(value);
    expect(format('%s %o %O %j', secret, secret, secret, secret)).not.toContain(value);
  });

  it('keeps the value out of the enumerable own properties', () => {
    const secret = new Secret(value);
    expect(Object.keys(secret)).toEqual([]);
    expect(Object.values(secret)).toEqual([]);
    expect({ ...secret }).toEqual({});
  });
});
