/** The small grid the mining tests share (also run by the resume test's child process). */
export const MINE_TEST_GRID = {
  templates: ['ts_mean({x:field}, {d:window})', '{c:cs_op}(ts_delta({x:field}, {d:window}))'],
  domains: { fields: ['sig', 'noise', 'close'], windows: [2, 3, 5] },
  max: 12,
  seed: 7,
} as const;
