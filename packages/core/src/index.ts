export { HotpathError, isHotpathError } from './errors'
export { debugFromEnv } from './log-level'
