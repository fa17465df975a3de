// @vitest-environment node
// The typed client must follow the committed spec: regenerating the types
// from openapi/openapi.json gives exactly src/api/schema.d.ts
// (`npm run gen:api` after `make openapi`).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('generated API types', () => {
  it('are not stale', () => {
    const root = resolve(import.meta.dirname, '..')
    const dir = mkdtempSync(join(tmpdir(), 'api-types-'))
    try {
      const out = join(dir, 'schema.d.ts')
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/openapi-typescript/bin/cli.js'), join(root, '../openapi/openapi.json'), '-o', out],
        { stdio: 'pipe' },
      )
      const fresh = readFileSync(out, 'utf8')
      const committed = readFileSync(join(root, 'src/api/schema.d.ts'), 'utf8')
      expect(fresh.length).toBeGreaterThan(10_000)
      expect(committed === fresh, 'src/api/schema.d.ts is stale: run `npm run gen:api`').toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
