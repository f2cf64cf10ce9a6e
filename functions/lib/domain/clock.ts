/** Milliseconds since the epoch. Injected everywhere time matters, so tests can fix it. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();

/** Whole seconds since the epoch, as JWT NumericDate and DynamoDB TTL use. */
export const epochSeconds = (clock: Clock): number => Math.floor(clock() / 1000);
