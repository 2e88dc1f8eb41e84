import { randomBytes } from 'node:crypto'
import { createRoute, z } from '@hono/zod-openapi'
import type { App, Services } from '../context.ts'
import { ApiError, errors } from '../errors.ts'
import { requireAuthenticated } from '../guards.ts'
import { registry } from '../keys.ts'
import { authenticated, commonErrors, sessionOnly, unauthorized } from '../schemas.ts'

const IdentitySchema = z
  .object({
    kind: z.enum(['user', 'apiKey']),
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    tier: z.string(),
    sessionId: z.string().optional(),
    expiresAt: z.string().optional(),
    source: z.enum(['redis', 'database']).optional(),
    keyPrefix: z.string().optional(),
  })
  .openapi('Identity')

const me = createRoute({
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: "The caller's identity: a Better Auth session from the web app, or an API key",
  security: authenticated,
  responses: {
    200: {
      description: 'Who is calling',
      content: { 'application/json': { schema: IdentitySchema } },
    },
    ...unauthorized,
    ...commonErrors,
  },
})

const createKey = createRoute({
  method: 'post',
  path: '/api-keys',
  tags: ['auth'],
  summary: "Replace the signed-in user's API key; the key is shown only in this answer",
  security: sessionOnly,
  responses: {
    201: {
      description: 'The new key',
      content: {
        'application/json': { schema: z.object({ key: z.string(), keyPrefix: z.string() }) },
      },
    },
    ...unauthorized,
    ...commonErrors,
  },
})

export function meRoutes(app: App, { store, cache }: Services): void {
  app.openapi(me, (c) => c.json(requireAuthenticated(c.get('identity')), 200))

  app.openapi(createKey, async (c) => {
    const identity = requireAuthenticated(c.get('identity'))
    if (identity.kind !== 'user') {
      throw new ApiError(
        401,
        errors.E_UNAUTHORIZED,
        'API keys are managed with a session, not a key',
      )
    }
    const key = `hp_${randomBytes(24).toString('base64url')}`
    const { previousHash } = await store.setApiKey(identity.userId, key)
    // The old key must stop working now, not when its cached owner expires.
    if (previousHash) await cache.delete(registry.keys.apiKeyOwner({ hash: previousHash }))
    return c.json({ key, keyPrefix: key.slice(0, 8) }, 201)
  })
}
