export type { Duration } from '@hotpath/core'
export { errors, KeyError, type KeyErrorCode } from './errors'
export {
  type KeyDefinition,
  type KeyOptions,
  type KeyRef,
  type KeySpec,
  key,
} from './key'
export { toMarkdown } from './markdown'
export { ttlWithJitter, type ValidationResult, validate } from './read'
export {
  type DefineKeysOptions,
  type DefinitionsOf,
  defineKeys,
  type KeyDefinitions,
  type KeyRow,
  type KeySpecs,
  type ParsedKey,
  type Registry,
} from './registry'
export type { KeyParams, ParamName, ParsedParams } from './template'
