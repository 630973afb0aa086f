// Writes through @supabase/postgrest-js: inserts, upserts, updates and
// deletes with their preferences, values that must keep every digit, and
// the errors a client sees, as a signed-in user and as the anonymous role.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { anon, alice, bob, aliceID, ok, fails } from './helpers.mjs'

const notes = (client = alice) => client.from('gc_notes')

test('insert', async () => {
  let res = ok(await notes().insert({ slug: 'js-ins-min', title: 'minimal' }), 201)
  assert.equal(res.data, null)

  res = ok(await notes().insert({ slug: 'js-ins-rep', title: 'rep' }).select('slug, title, owner, priority'), 201)
  assert.deepEqual(res.data, [{ slug: 'js-ins-rep', title: 'rep', owner: aliceID, priority: 3 }])

  res = ok(await notes().insert({ slug: 'js-ins-one', title: 'one' }).select('slug').single(), 201)
  assert.deepEqual(res.data, { slug: 'js-ins-one' })

  // An array goes with columns=; a missing key is null by default...
  res = ok(await notes().insert([
    { slug: 'js-bulk-1', title: 'a', body: 'x' },
    { slug: 'js-bulk-2', title: 'b' },
  ], { count: 'exact' }).select('slug, body').order('slug'), 201)
  assert.equal(res.count, 2)
  assert.deepEqual(res.data, [{ slug: 'js-bulk-1', body: 'x' }, { slug: 'js-bulk-2', body: null }])

  // ...and the column default with defaultToNull: false (missing=default).
  res = ok(await notes().insert([
    { slug: 'js-def-1', title: 'a', priority: 9 },
    { slug: 'js-def-2', title: 'b' },
  ], { defaultToNull: false }).select('slug, priority').order('slug'), 201)
  assert.deepEqual(res.data, [{ slug: 'js-def-1', priority: 9 }, { slug: 'js-def-2', priority: 3 }])

  fails(await notes().insert({ slug: 'js-ins-one', title: 'dup' }), 409, '23505')
  fails(await notes().insert({ slug: 'js-no-title' }), 400, '23502')
  fails(await notes().insert({ slug: 'js-bad', title: 't', nope: 1 }), 400, 'PGRST204')
  fails(await notes().insert({ slug: 'js-bad', title: 't', priority: 'high' }), 400, '22P02')
  fails(await notes().insert({ slug: 'js-bad', title: 't' }).select('slug').single().setHeader('Accept', 'image/png'),
    406, 'PGRST107')
})

test('upsert', async () => {
  ok(await notes().insert({ slug: 'js-up', title: 'first' }), 201)

  let res = ok(await notes().upsert({ slug: 'js-up', title: 'second' }, { onConflict: 'slug' }).select('slug, title'), 200)
  assert.deepEqual(res.data, [{ slug: 'js-up', title: 'second' }])

  res = ok(await notes().upsert([{ slug: 'js-up', title: 'third' }, { slug: 'js-up-new', title: 'new' }],
    { onConflict: 'slug' }).select('slug, title').order('slug'), 201)
  assert.deepEqual(res.data, [{ slug: 'js-up', title: 'third' }, { slug: 'js-up-new', title: 'new' }])

  res = ok(await notes().upsert({ slug: 'js-up', title: 'ignored' }, { onConflict: 'slug', ignoreDuplicates: true })
    .select('slug'), 200)
  assert.deepEqual(res.data, [])

  res = ok(await notes().select('title').eq('slug', 'js-up').single())
  assert.equal(res.data.title, 'third')

  // A composite key, and missing keys keeping their values on merge.
  ok(await alice.from('gc_pairs').upsert({ k1: 200, k2: 'a', v: 'one' }), 201)
  res = ok(await alice.from('gc_pairs').upsert({ k1: 200, k2: 'a', v: 'two' }, { onConflict: 'k1,k2' })
    .select('k1, k2, v, owner'), 200)
  assert.deepEqual(res.data, [{ k1: 200, k2: 'a', v: 'two', owner: aliceID }])

  // Someone else's row cannot be taken over.
  fails(await bob.from('gc_pairs').upsert({ k1: 200, k2: 'a', v: 'bob' }), 403, '42501')
})

test('update', async () => {
  ok(await notes().insert([
    { slug: 'js-upd-1', title: 'u', priority: 1 },
    { slug: 'js-upd-2', title: 'u', priority: 1 },
  ]), 201)

  let res = ok(await notes().update({ priority: 2 }).like('slug', 'js-upd-%'), 204)
  assert.equal(res.data, null)

  res = ok(await notes().update({ priority: 4 }, { count: 'exact' }).like('slug', 'js-upd-%').select('slug, priority'), 200)
  assert.equal(res.count, 2)
  // RETURNING comes in scan order, so sort before comparing.
  const bySlug = (a, b) => a.slug.localeCompare(b.slug)
  assert.deepEqual(res.data.sort(bySlug), [{ slug: 'js-upd-1', priority: 4 }, { slug: 'js-upd-2', priority: 4 }])

  fails(await notes().update({ priority: 5 }).like('slug', 'js-upd-%').maxAffected(1), 400, 'PGRST124')
  res = ok(await notes().select('priority').like('slug', 'js-upd-%'))
  assert.deepEqual(res.data, [{ priority: 4 }, { priority: 4 }])
  ok(await notes().update({ priority: 5 }).like('slug', 'js-upd-%').maxAffected(2), 204)

  // Row-Level Security: bob changes nothing of alice's.
  res = ok(await notes(bob).update({ priority: 9 }, { count: 'exact' }).like('slug', 'js-upd-%').select('slug'), 200)
  assert.deepEqual(res.data, [])
  assert.equal(res.count, 0)

  // The anonymous role may not write at all.
  fails(await notes(anon).update({ priority: 9 }).like('slug', 'js-upd-%'), 401, '42501')
})

test('delete', async () => {
  ok(await notes().insert([
    { slug: 'js-del-1', title: 'd' }, { slug: 'js-del-2', title: 'd' }, { slug: 'js-del-3', title: 'd' },
  ]), 201)
  fails(await notes().delete().like('slug', 'js-del-%').maxAffected(2), 400, 'PGRST124')
  let res = ok(await notes().delete({ count: 'exact' }).eq('slug', 'js-del-1').select('slug'), 200)
  assert.equal(res.count, 1)
  assert.deepEqual(res.data, [{ slug: 'js-del-1' }])
  res = ok(await notes().delete().like('slug', 'js-del-%'), 204)
  res = ok(await notes().select('slug', { count: 'exact', head: true }).like('slug', 'js-del-%'))
  assert.equal(res.count, 0)
  fails(await notes(anon).delete().eq('slug', 'js-ins-min'), 401, '42501')
})

test('rollback', async () => {
  const res = ok(await notes().insert({ slug: 'js-rollback', title: 'r' }).select('slug').rollback(), 201)
  assert.deepEqual(res.data, [{ slug: 'js-rollback' }])
  const after = ok(await notes().select('slug').eq('slug', 'js-rollback'))
  assert.deepEqual(after.data, [])
})

test('values round-trip without losing a digit', async () => {
  const row = {
    label: 'js-values',
    big: '123456789012345678901234567890.123456789012345678901234567890',
    amount: '-98765432109876543210.0123456789',
    huge: '9223372036854775807',
    ratio: 1.5e-300,
    at: '2024-02-29T23:59:59.123456+00:00',
    nums: [1, -2, 3],
    words: ['a,b', '"q"', 'null', 'ünï'],
    doc: { k: [1, 2.5, { z: null }], u: 'é' },
    raw: { b: 1.1, a: 2 },
    bin: '\\x00ff10',
    uid: '0b9f4a9e-3a44-4d5e-9c1b-5f0e7e8d9c2a',
    mood: 'happy',
    score: 42,
  }
  ok(await alice.from('gc_values').insert(row), 201)

  // Numbers as text, so JavaScript's doubles cannot round them.
  let res = ok(await alice.from('gc_values')
    .select('big::text, amount::text, huge::text, ratio::text, at::text')
    .eq('label', 'js-values').single())
  assert.deepEqual(res.data, {
    big: row.big, amount: row.amount, huge: row.huge, ratio: '1.5e-300', at: '2024-02-29 23:59:59.123456+00',
  })
  res = ok(await alice.from('gc_values').select('big, amount, huge').eq('label', 'js-values').csv())
  assert.equal(res.data, `big,amount,huge\n${row.big},${row.amount},${row.huge}`)

  res = ok(await alice.from('gc_values').select('at, nums, words, doc, raw, bin, uid, mood, score')
    .eq('label', 'js-values').single())
  assert.deepEqual(res.data, {
    at: row.at, nums: row.nums, words: row.words, doc: row.doc, raw: row.raw, bin: row.bin,
    uid: row.uid, mood: row.mood, score: row.score,
  })

  // Filters take the same values.
  for (const [col, value] of [['big', row.big], ['huge', row.huge], ['at', row.at], ['uid', row.uid],
    ['mood', 'happy'], ['score', 42], ['bin', row.bin]]) {
    res = ok(await alice.from('gc_values').select('label').eq(col, value))
    assert.deepEqual(res.data, [{ label: 'js-values' }], `filter on ${col}`)
  }
  res = ok(await alice.from('gc_values').select('label').contains('words', ['"a,b"']))
  assert.deepEqual(res.data, [{ label: 'js-values' }])

  // Domains and enums check their values; others cannot see the row.
  fails(await alice.from('gc_values').insert({ label: 'x', score: 0 }), 400, '23514')
  fails(await alice.from('gc_values').insert({ label: 'x', mood: 'angry' }), 400, '22P02')
  res = ok(await bob.from('gc_values').select('label').eq('label', 'js-values'))
  assert.deepEqual(res.data, [])
})
