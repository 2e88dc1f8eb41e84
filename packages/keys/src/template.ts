import { KeyError } from './errors'

/**
 * The parameter names of a template, as a union: `'rl:{id}:{window}'` → `'id' | 'window'`.
 * A plain `string` template (a definition whose template is not known statically) yields
 * `string`, so every definition is assignable to the wide `KeyDefinition`.
 */
export type ParamName<T extends string> = string extends T
  ? string
  : T extends `${string}{${infer P}}${infer Rest}`
    ? P | ParamName<Rest>
    : never

/** What a builder accepts: every parameter, as a string or a finite number. */
export type KeyParams<T extends string> = { [K in ParamName<T>]: string | number }

/** Parameters as they come back from a built or parsed key: always strings. */
export type ParsedParams<T extends string> = { [K in ParamName<T>]: string }

export type CompiledTemplate = {
  /** Literal text around the parameters; always one more entry than `params`. */
  readonly literals: readonly string[]
  readonly params: readonly string[]
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/**
 * Characters a literal may not contain: Redis glob specials (so a pattern needs no
 * escaping), the bracket markers that delimit parameters in a key, whitespace, controls.
 */
const RESERVED_LITERAL = /[*?[\]\\(){}\s\p{Cc}\p{Cs}]/u

export function assertLiteral(
  text: string,
  what: string,
  code: 'E_KEY_TEMPLATE_INVALID' | 'E_OPTION_INVALID',
): void {
  const bad = RESERVED_LITERAL.exec(text)
  if (bad) {
    throw new KeyError(
      code,
      `${what} contains ${JSON.stringify(bad[0])}, which is reserved (glob specials * ? [ ] \\, brackets ( ) { }, whitespace and control characters)`,
    )
  }
}

export function compileTemplate(template: string): CompiledTemplate {
  if (typeof template !== 'string' || template === '') {
    throw new KeyError('E_KEY_TEMPLATE_INVALID', 'a key template must be a non-empty string')
  }
  const literals: string[] = []
  const params: string[] = []
  let rest = template
  for (;;) {
    const open = rest.indexOf('{')
    const literal = open === -1 ? rest : rest.slice(0, open)
    assertLiteral(literal, `template '${template}'`, 'E_KEY_TEMPLATE_INVALID')
    literals.push(literal)
    if (open === -1) break
    const close = rest.indexOf('}', open)
    const name = close === -1 ? '' : rest.slice(open + 1, close)
    // `__proto__` would set the prototype of the params object instead of a property.
    if (!PARAM_NAME.test(name) || name === '__proto__') {
      throw new KeyError(
        'E_KEY_TEMPLATE_INVALID',
        `template '${template}': a parameter is written {name}, with name matching ${PARAM_NAME}`,
      )
    }
    if (params.includes(name)) {
      throw new KeyError(
        'E_KEY_TEMPLATE_INVALID',
        `template '${template}' names parameter "${name}" twice`,
      )
    }
    params.push(name)
    rest = rest.slice(close + 1)
  }
  return { literals, params }
}
