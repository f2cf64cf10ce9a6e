import type { Config } from '../../functions/lib/wiring/config';
import type { CoreDeps } from '../../functions/lib/flows/deps';
import { memoryRepos } from '../../functions/lib/stores/memory';
import { coreDepsOver } from '../../functions/lib/wiring/core';
import { manualClock, recordingLogger, testConfig, testSecrets } from './harness';

/** The flows over in-memory stores, with a manual clock: for rules, in milliseconds. */
export async function memoryHarness(overrides: Partial<Config> = {}): Promise<{
  core: CoreDeps;
  clock: ReturnType<typeof manualClock>;
  logger: ReturnType<typeof recordingLogger>;
}> {
  const clock = manualClock();
  const logger = recordingLogger();
  const core = coreDepsOver(memoryRepos(), testConfig(overrides), await testSecrets(), { now: clock, logger });
  return { core, clock, logger };
}
