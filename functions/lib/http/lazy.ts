/** Dependencies as given to `createHandler`: built, being built, or a factory to build them. */
export type DepsInput<D> = D | Promise<D> | (() => Promise<D>);

/**
 * One build of the dependencies per container, shared by every invocation. A factory that
 * fails (a secret store not ready yet, say) is tried again on the next invocation instead of
 * poisoning the container; the first build starts at once, overlapping the cold start.
 */
export function lazyDeps<D>(input: DepsInput<D>): () => Promise<D> {
  if (typeof input !== 'function') {
    const ready = Promise.resolve(input);
    ready.catch(() => undefined);
    return () => ready;
  }
  const factory = input as () => Promise<D>;
  let pending: Promise<D> | undefined;
  const get = () => {
    pending ??= factory().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
  get().catch(() => undefined);
  return get;
}
