/**
 * Node flags on the agent's `ExecStart=` line (`FLOTILLA_NODE_FLAGS`), by what the node does. Their own module so
 * the benches run the scheduler with exactly what a master ships (bench/support/scheduler-child.ts).
 */

/**
 * Node flags of an agent that never schedules: no optimizing compiler (`--lite-mode`: smaller code and feedback,
 * an agent's work is I/O) and 1 MiB young-generation semi-spaces instead of 16. With them an agent with 100 units
 * stays under 60 MB (docs/benchmarks.md, agent-rss). `--lite-mode` turns WebAssembly off (so nothing in the daemon
 * may use fetch, whose parser is WebAssembly); `--no-expose-wasm` says so up front instead of a warning per start.
 */
export const LEAN_NODE_FLAGS = '--lite-mode --no-expose-wasm --max-semi-space-size=1';

/**
 * Node flags of a scheduler candidate: the optimizing compiler stays (planning 100,000 units wants it), but the old
 * space grows by 20% over what survived a full collection instead of V8's own factor (up to 4× while allocation is
 * fast). The elected leader's live set is ~2 KB per unit, yet a term's first read and apply allocate several times
 * that in short-lived records, watch events and transactions; with V8's factor the garbage waited and the leader's
 * peak RSS was 2–3× its live heap (docs/benchmarks.md, "scheduler-scale", "Where the leader's memory went").
 * Those short-lived objects are why the young generation may grow to 32 MiB semi-spaces (16 by default): fewer
 * scavenges, and fewer of them promoted while still in use; a placing leader's GC time fell by a quarter for ~25 MiB
 * of RSS (docs/benchmarks.md, "Writing while planning, placement keys, a larger young generation"). The space only
 * grows while allocation is fast: an idle candidate keeps V8's small one.
 */
export const SCHEDULER_NODE_FLAGS = '--heap-growing-percent=20 --max-semi-space-size=32';
