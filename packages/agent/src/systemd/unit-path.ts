/**
 * systemd names unit objects `/org/freedesktop/systemd1/unit/<label>`, where the label escapes every byte that
 * is not an ASCII letter (or a digit past the first position) as `_xx` in lower-case hex. We only need the
 * reverse direction, to tell which unit a PropertiesChanged signal is about, plus the forward one for tests.
 */
export const UNIT_PATH_PREFIX = '/org/freedesktop/systemd1/unit/';

export function unitObjectPath(unitName: string): string {
  if (unitName === '') return `${UNIT_PATH_PREFIX}_`;
  let label = '';
  const bytes = Buffer.from(unitName, 'utf8');
  bytes.forEach((b, i) => {
    const isLetter = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    const isDigit = b >= 0x30 && b <= 0x39;
    label += isLetter || (isDigit && i > 0) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, '0')}`;
  });
  return UNIT_PATH_PREFIX + label;
}

/** The unit name of a unit object path, or undefined if the path is not a unit object. */
export function unitNameFromPath(path: string): string | undefined {
  if (!path.startsWith(UNIT_PATH_PREFIX)) return undefined;
  const label = path.slice(UNIT_PATH_PREFIX.length);
  if (label === '' || label.includes('/')) return undefined;
  if (label === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const hex = label[i] === '_' ? label.slice(i + 1, i + 3) : '';
    if (/^[0-9a-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(label.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
