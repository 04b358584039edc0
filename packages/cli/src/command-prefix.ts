/**
 * fleetctl (cobra) accepts any unique prefix of a command name: `fleetctl list-m` runs list-machines. Pure:
 * finds the command word (skipping global options and their values) and expands a unique prefix; an exact
 * name, an ambiguous or unknown prefix is left alone (commander then reports it).
 */
export interface PrefixSpec {
  commands: readonly string[];
  /** Global options that take a value (`--endpoint URL`), so the value is not taken for the command. */
  optionsWithValue: readonly string[];
}

/** The command word of a command line (the first word that is neither an option nor a global option's value). */
export function commandWord(argv: readonly string[], spec: PrefixSpec): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') return undefined;
    if (!word.startsWith('-')) return word;
    if (!word.includes('=') && spec.optionsWithValue.includes(word)) i++;
  }
  return undefined;
}

export function expandCommandPrefix(argv: readonly string[], spec: PrefixSpec): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const word = out[i] as string;
    if (word === '--') return out;
    if (word.startsWith('-')) {
      if (!word.includes('=') && spec.optionsWithValue.includes(word)) i++;
      continue;
    }
    if (spec.commands.includes(word)) return out;
    const matches = spec.commands.filter((c) => c.startsWith(word));
    if (matches.length === 1) out[i] = matches[0] as string;
    return out;
  }
  return out;
}
