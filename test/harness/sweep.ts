/** Placeholder until the machine harness lands: removes leftovers of earlier runs. */
export async function sweepLeftovers(): Promise<void> {}
