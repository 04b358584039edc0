/** The counting phrase every rule's wording shares: `1 of 1 machine`, `0 of 40 machines`. */
export function ofMachines(n: number, total: number): string {
  return `${n} of ${total} ${total === 1 ? 'machine' : 'machines'}`;
}
