import { ensureImage } from '../test/harness/image.js';

const rootfs = await ensureImage((line) => process.stdout.write(`setup: ${line}\n`));
process.stdout.write(`setup: machine image ready at ${rootfs}\n`);
