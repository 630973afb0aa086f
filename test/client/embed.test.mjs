// Resource embedding through @supabase/postgrest-js, on the em_* tables of
// ../testdata/fixture_embed.sql: the embedded count as Supabase documents
// it, and embedding in the result of a function. Comments are under
// Row-Level Security: each user counts and embeds only their own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { anon, alice, bob, ok, fails } from './helpers.mjs'

test('embedded count', async () => {
  let res = ok(await alice.from('em_posts').select('title, em_comments(count)').order('id'), 200)
  assert.deepEqual(res.data, [
    { title: 'first', em_comments: [{ count: 1 }] },
    { title: 'second', em_comments: [{ count: 0 }] },
    { title: 'third', em_comments: [{ count: 0 }] },
  ])
  res = ok(await bob.from('em_posts').select('title, em_comments(count)').order('id'), 200)
  assert.deepEqual(res.data.map((p) => p.em_comments[0].count), [1, 1, 0])

  res = ok(await bob.from('em_posts').select('id, em_comments(count)').eq('em_comments.body', 'b on second').eq('id', 2))
  assert.deepEqual(res.data, [{ id: 2, em_comments: [{ count: 1 }] }])

  fails(await anon.from('em_posts').select('title, em_comments(count)'), 401, '42501')
})

test('embedding in a function result', async () => {
  let res = ok(await alice.rpc('em_posts_by', { author: 1 }).select('id, em_comments(body)').order('id'), 200)
  assert.deepEqual(res.data, [
    { id: 1, em_comments: [{ body: 'a on first' }] },
    { id: 3, em_comments: [] },
  ])

  res = ok(await bob.rpc('em_my_comments').select('body, em_posts(title)').order('id'), 200)
  assert.deepEqual(res.data, [
    { body: 'b on first', em_posts: { title: 'first' } },
    { body: 'b on second', em_posts: { title: 'second' } },
  ])

  res = ok(await anon.rpc('em_posts_by', { author: 2 }, { get: true })
    .select('title, author:em_authors!author_id(name), em_tags(label)'), 200)
  assert.deepEqual(res.data, [{ title: 'second', author: { name: 'bob' }, em_tags: [] }])

  res = ok(await bob.rpc('em_posts_by', { author: 1 }).select('id, em_comments(count)').order('id'))
  assert.deepEqual(res.data, [{ id: 1, em_comments: [{ count: 1 }] }, { id: 3, em_comments: [{ count: 0 }] }])

  fails(await anon.rpc('em_posts_by', { author: 1 }).select('id, em_comments(body)'), 401, '42501')
})
