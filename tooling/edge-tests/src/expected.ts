/** What `handle()` answers when every package works on the runtime. */
export const EXPECTED = {
  limits: [true, true, false],
  stored: true,
  page: { at: 0, tags: ['a', 'b'] },
  session: { userId: 'u1', role: 'admin' },
  flag: { u1: true, u2: false },
  driver: 'http',
}
