import { z } from '@hono/zod-openapi'
import type { Product } from './db/schema.ts'
import { errors } from './errors.ts'

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z
        .enum(Object.values(errors) as [string, ...string[]])
        .openapi({ example: 'E_VALIDATION' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error')

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
})

/** The error answers every route may give, for the OpenAPI document. */
export const commonErrors = {
  400: errorResponse('The request failed validation (E_VALIDATION)'),
  429: errorResponse('Rate limit used up (E_RATE_LIMITED); see Retry-After'),
} as const
export const notFound = { 404: errorResponse('No such resource (E_NOT_FOUND)') } as const
export const unauthorized = {
  401: errorResponse('No valid session or API key (E_UNAUTHORIZED, E_API_KEY_INVALID)'),
} as const
export const unavailable = {
  503: errorResponse('Redis is not reachable (E_REDIS_UNAVAILABLE)'),
} as const
export const conflict = { 409: errorResponse('The resource exists already (E_CONFLICT)') } as const

export const ProductId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64')
  .openapi({ param: { name: 'id', in: 'path' }, example: 'p-kettle' })

export const ProductSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    priceCents: z.number().int(),
    featured: z.boolean(),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Product')

export type ProductBody = z.infer<typeof ProductSchema>

export function toProductBody(p: Product): ProductBody {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    priceCents: p.priceCents,
    featured: p.featured,
    updatedAt: new Date(p.updatedAt).toISOString(),
  }
}

export const NewProductSchema = z
  .object({
    id: ProductId.optional(),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    priceCents: z.number().int().min(0).max(1_000_000_000),
    featured: z.boolean().optional(),
  })
  .strict()
  .openapi('NewProduct')

export const ProductPatchSchema = NewProductSchema.omit({ id: true })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change')
  .openapi('ProductPatch')

export const Pagination = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
})

// Declared with its type: an inline literal with two entries defeats @hono/zod-openapi's
// input inference (c.req.valid() becomes never).
export const authenticated: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { session: [] }]
export const sessionOnly: { [scheme: string]: string[] }[] = [{ session: [] }]
