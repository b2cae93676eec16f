/**
 * A value built once per container and then shared (a secret read, a client, the rates), except
 * when building it failed: a rejected promise is forgotten, so the next call tries again instead of
 * failing for the container's whole life.
 */
export function onceUnlessFailed<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= make().catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}
