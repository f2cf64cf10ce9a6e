/** Dependencies as given to `createHandler`: built, being built, or a factory to build them. */
export type DepsInput<D> = D | Promise<D> | (() => Promise<D>);

/**
 * One build of the dependencies per container, shared by every invocation. A factory that
 * fails (a secret store not ready yet, say) is tried again on the next invocation instead of
 * poisoning the container. The first build starts at once, overlapping the cold start; it may
 * fail where a later one would not (the Parameters and Secrets extension serves invocations,
 * not the init phase), so its failure reaches no caller: the first call then builds again.
 */
export function lazyDeps<D>(input: DepsInput<D>): () => Promise<D> {
  if (typeof input !== 'function') {
    const ready = Promise.resolve(input);
    ready.catch(() => undefined);
    return () => ready;
  }
  const factory = input as () => Promise<D>;
  let pending: Promise<D> | undefined;
  const build = () => {
    pending ??= factory().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
  let early: Promise<D> | undefined = build();
  early.catch(() => undefined);
  return async () => {
    if (early) {
      const first = early;
      early = undefined;
      try {
        return await first;
      } catch {
        // Built during init and failed: build again, now that the function is invoked.
      }
    }
    return build();
  };
}
