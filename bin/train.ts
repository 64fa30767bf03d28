import type { Command } from 'commander';
/** Registers `train` on the alphalab program. */
export function registerTrain(_program: Command): void {}
