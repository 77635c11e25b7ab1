// Reading back what the bot stored as JSON text (timeline details, outbox payloads, clicks,
// scheduled runs): one guarded parse, and field readers that refuse a value of the wrong type.
// A column's decoder answers null for a row it cannot read; its reader logs the row and skips it.

/** The object stored as `text`, or null when the text is not a JSON object. */
export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

class Unreadable extends Error {}

const fail = (): never => {
  throw new Unreadable();
};

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** A stored object's fields, each read as the type it must have. */
export class Fields {
  constructor(private readonly o: Record<string, unknown>) {}

  /** Whether the field was stored at all (null included). */
  has(key: string): boolean {
    return Object.hasOwn(this.o, key);
  }

  isNull(key: string): boolean {
    return this.o[key] === null;
  }

  string(key: string): string {
    const v = this.o[key];
    return typeof v === 'string' ? v : fail();
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  nullableString(key: string): string | null {
    return this.o[key] === null ? null : this.string(key);
  }

  int(key: string): number {
    const v = this.o[key];
    return isInt(v) ? v : fail();
  }

  optionalInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  boolean(key: string): boolean {
    const v = this.o[key];
    return typeof v === 'boolean' ? v : fail();
  }

  ints(key: string): number[] {
    const v = this.o[key];
    return Array.isArray(v) && v.every(isInt) ? (v as number[]) : fail();
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.o[key];
    return (values as readonly unknown[]).includes(v) ? (v as T) : fail();
  }

  optionalOneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    return this.has(key) ? this.oneOf(key, values) : undefined;
  }

  /** A time stored as an ISO string (JSON's form of a Date). */
  date(key: string): Date {
    const at = new Date(this.string(key));
    return Number.isNaN(at.getTime()) ? fail() : at;
  }

  nullableDate(key: string): Date | null {
    return this.isNull(key) ? null : this.date(key);
  }

  array(key: string): unknown[] {
    const v = this.o[key];
    return Array.isArray(v) ? v : fail();
  }
}

/** Reads `text` with `read`; null when it is not an object or a field has the wrong type. */
export function decodeObject<T>(text: string, read: (fields: Fields) => T): T | null {
  const o = parseObject(text);
  if (!o) return null;
  try {
    return read(new Fields(o));
  } catch (error) {
    if (error instanceof Unreadable) return null;
    throw error;
  }
}

/** How each member of a union stored by kind is read: its fields, without the kind. */
export type Readers<U extends { kind: string }> = { [K in U['kind']]: (f: Fields) => Omit<Extract<U, { kind: K }>, 'kind'> };

/** The member of `kind` stored as `text`; null for a kind not in `readers`, or text they cannot read. */
export function decodeUnion<U extends { kind: string }>(readers: Readers<U>, kind: string, text: string): U | null {
  if (!Object.hasOwn(readers, kind)) return null;
  const fields = decodeObject(text, readers[kind as U['kind']] as (f: Fields) => object);
  return fields ? ({ kind, ...fields } as unknown as U) : null;
}

/** What is stored for a union member: everything but its kind, which has a column of its own. */
export function encodeWithoutKind<T extends { kind: string }>(value: T): string {
  const { kind: _kind, ...rest } = value;
  return JSON.stringify(rest);
}
