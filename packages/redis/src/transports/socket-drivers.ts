import type { Transport } from './transport'

// The drivers that need Node (sockets for tcp, ioredis-mock's Node modules for memory),
// loaded only when the environment picks them. Edge bundles get socket-drivers-edge.ts
// instead, so ioredis never reaches a Worker bundle (see the `#socket-drivers` import map).
export const loadTcpTransport = async (url: string): Promise<Transport> =>
  (await import('./tcp')).createTcpTransport({ url })

export const loadMemoryTransport = async (): Promise<Transport> =>
  (await import('./memory')).createMemoryTransport()
