import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['./src/index.ts', './src/reference.ts', './src/cli.ts'],
  format: ['esm', 'cjs'],
  // One shared chunk in CJS too: two copies of the registry code would not recognise
  // each other's definitions (extend(referenceRegistry)) or errors (instanceof KeyError).
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
})
