// Shared setup of the client tests: one PostgrestClient per identity,
// pointed at the rowgate the Go test started (see ../client_test.go).
import assert from 'node:assert/strict'
import { PostgrestClient } from '@supabase/postgrest-js'

function required(name) {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set; run these tests through go test ./test/`)
  return v
}

export const baseURL = required('ROWGATE_URL')
export const aliceID = required('ROWGATE_ALICE')
export const bobID = required('ROWGATE_BOB')

/** anon sends no token: the anonymous role. */
export const anon = new PostgrestClient(baseURL)
/** alice and bob are authenticated users with their own rows. */
export const alice = new PostgrestClient(baseURL, {
  headers: { Authorization: `Bearer ${required('ROWGATE_TOKEN_ALICE')}` },
})
export const bob = new PostgrestClient(baseURL, {
  headers: { Authorization: `Bearer ${required('ROWGATE_TOKEN_BOB')}` },
})

/** ok asserts a response without error and returns it. */
export function ok(res, status) {
  assert.equal(res.error, null, `unexpected error: ${JSON.stringify(res.error)}`)
  if (status !== undefined) assert.equal(res.status, status)
  return res
}

/** fails asserts a PostgREST error object with the given status and code. */
export function fails(res, status, code) {
  assert.notEqual(res.error, null, `expected ${code}, got ${JSON.stringify(res.data)}`)
  assert.equal(res.status, status, JSON.stringify(res.error))
  assert.equal(res.error.code, code, JSON.stringify(res.error))
  for (const key of ['message', 'details', 'hint']) {
    assert.ok(key in res.error, `error lacks ${key}: ${JSON.stringify(res.error)}`)
  }
  assert.equal(res.data, null)
  return res
}

/** ids maps rows to their id fields. */
export const ids = (rows) => rows.map((r) => r.id)
