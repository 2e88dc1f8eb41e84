/**
 * The duration forms every hotpath duration option accepts or refuses, as one table each
 * package runs against each of its options (see the packages' `test/duration.test.ts`).
 * A team writing its own hotpath-style package can run it too.
 *
 * Accepted values are whole seconds of at least 2 s, so that every option's own bound
 * (a key ttl is whole seconds, a tag retention at least 1 s) lets them through: the table is
 * about spelling, the bounds are each option's own.
 */
export const durationCases: {
  /** Strings read the same by every option, with their milliseconds. */
  readonly accepted: readonly (readonly [input: string, ms: number])[]
  /** Values refused by every option, bare numbers included whatever the option's unit. */
  readonly refused: readonly unknown[]
  /**
   * A bare number, accepted only by options whose `number` rule is set: read as seconds
   * (2000 s) or milliseconds (2000 ms) by that rule.
   */
  readonly bareNumber: number
} = {
  accepted: [
    ['2000ms', 2_000],
    ['2000 ms', 2_000],
    ['10s', 10_000],
    ['10 s', 10_000],
    [' 10s ', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
  ],
  refused: [
    '10',
    '10S',
    '10 sec',
    '10 secs',
    '10 seconds',
    '5 mins',
    '1 msecs',
    '1y',
    '2w',
    '1mo',
    '-5s',
    '1e3ms',
    '1x5s',
    '10s5',
    'ms',
    '',
    '   ',
    'soon',
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    true,
    {},
    ['10s'],
  ],
  bareNumber: 2000,
}
