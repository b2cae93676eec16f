/**
 * `record[key]` when `key` is the record's own property, else undefined. Lookup tables keyed by
 * text that came from outside (event names, provider fields, CSV headers, words) must never reach
 * Object.prototype: `table["constructor"]` is a function and `table["__proto__"]` an object, both
 * truthy, so a Segment track named "constructor" was read as an order.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
