/**
 * Node prints its process warnings (MaxListenersExceededWarning, ExperimentalWarning, DeprecationWarning, …) on
 * stderr, in the middle of a command's output, where a user can do nothing about them. The CLI takes Node's
 * printer off, the 'warning' listener Node adds itself at start-up (nodejs/node lib/internal/process/warning.js;
 * `--no-warnings` is the same switch), and shows warnings with `--debug` only; the daemon logs them
 * (daemon/command.ts). Errors are not warnings: they still reach report-error.ts, and an unhandled rejection
 * still ends the process with its stack.
 */
export function routeNodeWarnings(onWarning: (warning: Error) => void): void {
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
}

/** How `--debug` shows one: `(node) <name>: <message>`, as Node's own line without its pid. */
export function nodeWarningLine(warning: Error): string {
  return `(node) ${warning.name}: ${warning.message}\n`;
}
