// Reads through @supabase/postgrest-js: every filter, logic trees, JSON
// paths, ordering, paging, counts and media types, as the anonymous role
// and as a signed-in user.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { anon, alice, ok, fails, ids } from './helpers.mjs'

const films = (client = anon) => client.from('gc_films')

test('filters', async (t) => {
  const cases = [
    ['eq', (q) => q.eq('genre', 'scifi'), [1, 2, 4]],
    ['neq', (q) => q.neq('genre', 'scifi').lt('id', 6), [3, 5]],
    ['gt gte lt lte', (q) => q.gt('year', 1977).gte('rating', 8.1).lt('year', 2000).lte('id', 8), [1, 2, 6, 8]],
    ['like', (q) => q.like('title', '%a%e%'), [2, 5, 6]],
    ['ilike', (q) => q.ilike('title', 'h%'), [8]],
    ['likeAnyOf', (q) => q.likeAnyOf('title', ['A%', 'B%']), [1, 2]],
    ['likeAllOf', (q) => q.likeAllOf('title', ['%a%', '%r%']), [2, 5, 6, 7]],
    ['ilikeAnyOf', (q) => q.ilikeAnyOf('title', ['d%', 'g%']), [4, 7]],
    ['ilikeAllOf', (q) => q.ilikeAllOf('title', ['%A%', '%R%']), [2, 5, 6, 7]],
    ['regexMatch', (q) => q.regexMatch('title', '^[A-C]'), [1, 2, 3]],
    ['regexIMatch', (q) => q.regexIMatch('title', '^h'), [8]],
    ['in', (q) => q.in('genre', ['crime', 'odd']), [6, 8, 9, 10]],
    ['notIn', (q) => q.notIn('id', [1, 2, 3, 4, 5, 6, 7]), [8, 9, 10]],
    ['is null', (q) => q.is('genre', null), [7]],
    ['not is null', (q) => q.not('meta', 'is', null).gt('id', 7), [8, 9]],
    ['isDistinct', (q) => q.isDistinct('rating', 8.5).lt('id', 4), [2]],
    ['contains array', (q) => q.contains('tags', ['space']), [1, 4, 7]],
    ['containedBy array', (q) => q.containedBy('tags', ['space', 'horror', 'desert']).gt('id', 0).not('tags', 'eq', '{}'), [1, 4, 7]],
    ['overlaps array', (q) => q.overlaps('tags', ['noir', 'heist']), [2, 8]],
    ['contains jsonb', (q) => q.contains('meta', { director: { name: 'Scott' } }), [1, 2]],
    ['rangeGt', (q) => q.rangeGt('showing', '[0,20)'), [3, 6, 7]],
    ['rangeGte', (q) => q.rangeGte('showing', '[10,11)'), [3, 4, 6, 7]],
    ['rangeLt', (q) => q.rangeLt('showing', '[10,20)'), [1, 8]],
    ['rangeLte', (q) => q.rangeLte('showing', '[0,10)'), [1, 8]],
    ['rangeAdjacent', (q) => q.rangeAdjacent('showing', '[50,60)'), [7]],
    ['overlaps range', (q) => q.overlaps('showing', '[4,6)'), [1, 2, 8]],
    ['textSearch', (q) => q.textSearch('plot', 'hunts', { config: 'english' }), [2, 8]],
    ['textSearch plain', (q) => q.textSearch('plot', 'deadly creature', { type: 'plain', config: 'english' }), [1]],
    ['textSearch phrase', (q) => q.textSearch('plot', 'blade runner', { type: 'phrase', config: 'english' }), [2]],
    ['textSearch websearch', (q) => q.textSearch('plot', 'crew -space', { type: 'websearch' }), [8]],
    ['match', (q) => q.match({ genre: 'scifi', year: 1979 }), [1]],
    ['not', (q) => q.not('genre', 'eq', 'scifi').not('genre', 'is', null).lt('id', 6), [3, 5]],
    ['filter', (q) => q.filter('title', 'in', '(Dune,Heat)'), [4, 8]],
    ['json path', (q) => q.eq('meta->director->>name', 'Scott'), [1, 2]],
    ['json path number', (q) => q.gt('meta->awards', 5), [4, 7]],
    ['value that looks like an operator', (q) => q.eq('title', 'is.null'), [9]],
    ['value that is a reserved word', (q) => q.eq('title', 'null'), [10]],
    ['unicode', (q) => q.like('plot', 'Ünïc%'), [10]],
    ['or', (q) => q.or('genre.eq.drama,year.gt.2010'), [3, 4, 7]],
    ['or with quotes', (q) => q.or('title.eq."Fargo, \\"the (film)\\"",id.eq.1'), [1, 6]],
    ['nested and', (q) => q.or('and(genre.eq.scifi,rating.gte.8.1),not.and(year.lt.2000,id.gt.0)'), [1, 2, 4, 7, 9, 10]],
    ['or of in and any', (q) => q.or('id.in.(1,2),title.like(any).{H*,G*}'), [1, 2, 7, 8]],
  ]
  for (const [name, apply, want] of cases) {
    await t.test(name, async () => {
      const res = ok(await apply(films().select('id')).order('id'), 200)
      assert.deepEqual(ids(res.data), want)
    })
  }
})

test('select forms', async () => {
  let res = ok(await films().select('id, name:title, year::text, d:meta->director->>name, first:meta->langs->0').eq('id', 1))
  assert.deepEqual(res.data, [{ id: 1, name: 'Alien', year: '1979', d: 'Scott', first: 'en' }])
  res = ok(await films().select('*, extra:title').eq('id', 5))
  assert.deepEqual(res.data, [{
    id: 5, title: 'Eraserhead', year: 1977, genre: 'horror', rating: 7.3, tags: [], meta: null,
    showing: null, plot: null, extra: 'Eraserhead',
  }])
})

test('order, limit and range', async () => {
  let res = ok(await films().select('id').order('genre', { ascending: true, nullsFirst: true }).order('id', { ascending: false }).limit(3))
  assert.deepEqual(ids(res.data), [7, 8, 6])
  res = ok(await films().select('id').order('meta->awards', { ascending: false, nullsFirst: false }).limit(2))
  assert.deepEqual(ids(res.data), [7, 4])
  res = ok(await films().select('id').order('id').range(2, 4))
  assert.deepEqual(ids(res.data), [3, 4, 5])
})

test('counts', async () => {
  let res = ok(await films().select('id', { count: 'exact' }).order('id').range(0, 2), 206)
  assert.equal(res.count, 10)
  assert.equal(res.data.length, 3)
  res = ok(await films().select('id', { count: 'exact' }), 200)
  assert.equal(res.count, 10)
  res = ok(await films().select('*', { count: 'exact', head: true }).eq('genre', 'scifi'), 200)
  assert.equal(res.count, 3)
  assert.equal(res.data, null)
  // gc_big holds 120 rows while its statistics say 150; db-max-rows is 100.
  res = ok(await anon.from('gc_big').select('id', { count: 'exact' }), 206)
  assert.equal(res.data.length, 100)
  assert.equal(res.count, 120)
  res = ok(await anon.from('gc_big').select('id', { count: 'planned' }), 206)
  assert.equal(res.count, 150)
  res = ok(await anon.from('gc_big').select('id', { count: 'estimated' }), 206)
  assert.equal(res.count, 150)
  res = ok(await anon.from('gc_big').select('id', { count: 'estimated' }).lte('id', 40), 200)
  assert.equal(res.count, 40)
  fails(await films().select('id', { count: 'exact' }).range(20, 30), 416, 'PGRST103')
})

test('single and maybeSingle', async () => {
  let res = ok(await films().select('id, title').eq('id', 3).single(), 200)
  assert.deepEqual(res.data, { id: 3, title: 'Casablanca' })
  fails(await films().select('id').eq('genre', 'scifi').single(), 406, 'PGRST116')
  fails(await films().select('id').eq('id', 99).single(), 406, 'PGRST116')
  res = ok(await films().select('id').eq('id', 99).maybeSingle(), 200)
  assert.equal(res.data, null)
  res = ok(await films().select('id').eq('id', 4).maybeSingle(), 200)
  assert.deepEqual(res.data, { id: 4 })
  fails(await films().select('id').eq('genre', 'scifi').maybeSingle(), 406, 'PGRST116')
})

test('csv and stripped nulls', async () => {
  let res = ok(await films().select('id, title, tags').in('id', [5, 6]).order('id').csv(), 200)
  assert.equal(res.data, 'id,title,tags\n5,Eraserhead,{}\n6,"Fargo, ""the (film)""","{snow,crime}"')
  res = ok(await films().select('id, genre, meta').in('id', [5, 7]).order('id').stripNulls(), 200)
  assert.deepEqual(res.data, [
    { id: 5, genre: 'horror' },
    { id: 7, meta: { director: { name: 'Cuaron' }, awards: 7, langs: ['en'] } },
  ])
  res = ok(await films().select('id, genre').eq('id', 7).single().stripNulls(), 200)
  assert.deepEqual(res.data, { id: 7 })
})

test('aggregates', async () => {
  let res = ok(await films().select('genre, count(), rating.max(), rating.avg()::int').in('genre', ['scifi', 'crime']).order('genre'))
  assert.deepEqual(res.data, [
    { genre: 'crime', count: 2, max: 8.3, avg: 8 },
    { genre: 'scifi', count: 3, max: 8.5, avg: 8 },
  ])
  res = ok(await films().select('total:count(), year.min(), year.max()'))
  assert.deepEqual(res.data, [{ total: 10, min: 1942, max: 2021 }])
})

test('authenticated reads see own rows only', async () => {
  ok(await alice.from('gc_notes').insert([
    { slug: 'js-read-private', title: 'mine', public: false },
    { slug: 'js-read-public', title: 'everyone', public: true },
  ]), 201)
  let res = ok(await alice.from('gc_notes').select('slug').like('slug', 'js-read-%').order('slug'))
  assert.deepEqual(res.data, [{ slug: 'js-read-private' }, { slug: 'js-read-public' }])
  res = ok(await anon.from('gc_notes').select('slug').like('slug', 'js-read-%'))
  assert.deepEqual(res.data, [{ slug: 'js-read-public' }])
  res = ok(await alice.from('gc_films').select('id', { count: 'exact', head: true }))
  assert.equal(res.count, 10)
})

test('read errors', async () => {
  fails(await anon.from('gc_nope').select('*'), 404, 'PGRST205')
  fails(await films().select('nope'), 400, '42703')
  fails(await films().select('id').eq('nope', 1), 400, '42703')
  fails(await films().select('id').eq('id', 'abc'), 400, '22P02')
  fails(await films().select('id').filter('id', 'eq(some)', '1'), 400, 'PGRST100')
  fails(await films().select('id').or('id.eq.1,'), 400, 'PGRST100')
  fails(await anon.from('gc_values').select('*'), 401, '42501')
  fails(await films().select('id').csv().setHeader('Accept', 'application/xml'), 406, 'PGRST107')
})
