import { inspect } from 'node:util';

/**
 * A value that must never be printed: JSON, `util.inspect` and string
 * conversion all show `***`. Only `reveal()` hands out the real value, and only
 * the code that passes it to a driver or a child's environment calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'Secret(***)';
  }
}
