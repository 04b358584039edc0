/**
 * The README's runnable examples: every line of its ```sh blocks, with the section it is under. A trailing
 * ` # comment` is the example's explanation, not part of the command. Pure, but for reading the file.
 */
import fs from 'node:fs';

export interface ReadmeCommand {
  /** The command as a user types it. */
  command: string;
  /** The `##`/`###` heading the block is under. */
  section: string;
  /** 1-based line in the README. */
  line: number;
}

export function readmeCommands(markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let section = '';
  let inSh = false;
  let inOther = false;
  markdown.split('\n').forEach((text, i) => {
    const fence = /^```(\S*)\s*$/.exec(text);
    if (fence) {
      if (inSh || inOther) {
        inSh = inOther = false;
      } else if (fence[1] === 'sh') {
        inSh = true;
      } else {
        inOther = true;
      }
      return;
    }
    if (!inSh && !inOther && /^#{2,3} /.test(text)) section = text.replace(/^#+ /, '');
    if (!inSh) return;
    const command = text.replace(/(^|\s+)#\s.*$/, '').trim();
    if (command !== '') commands.push({ command, section, line: i + 1 });
  });
  return commands;
}

export function readmeCommandsOf(file: string): ReadmeCommand[] {
  return readmeCommands(fs.readFileSync(file, 'utf8'));
}
