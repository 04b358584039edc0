/**
 * Whether a command line may run the daemon: some word is `agent` or a prefix of it (command-prefix.ts expands
 * prefixes). Said without parsing the options, so a unit named `a` also counts: a false yes only costs the
 * unbundled CLI's start (bundle-entry.ts), a false no would be wrong, and there is none.
 */
export function mayBeDaemon(argv: readonly string[]): boolean {
  return argv.some((word) => word !== '' && 'agent'.startsWith(word));
}
