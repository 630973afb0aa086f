package jwks

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache is a bounded LRU of verified tokens keyed by the SHA-256 of
// the token, so a hit needs no signature check and the cache never holds a
// token itself.
type tokenCache struct {
	max int

	mu sync.Mutex // guards ll and items
	// ll orders entries from most (front) to least recently used.
	ll    list.List
	items map[[sha256.Size]byte]*list.Element

	hits, misses, evictions atomic.Uint64
}

// cacheEntry is one verified token.
type cacheEntry struct {
	key [sha256.Size]byte
	id  *Identity
	// expiresAt is min(exp, verification time + CacheMaxLifetime).
	expiresAt time.Time
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, items: make(map[[sha256.Size]byte]*list.Element, max)}
}

// get returns the identity cached for k if its entry has not expired at
// now. An expired entry is dropped.
func (c *tokenCache) get(k [sha256.Size]byte, now time.Time) (*Identity, bool) {
	c.mu.Lock()
	el, ok := c.items[k]
	if ok {
		e := el.Value.(*cacheEntry)
		if now.Before(e.expiresAt) {
			c.ll.MoveToFront(el)
			c.mu.Unlock()
			c.hits.Add(1)
			return e.id, true
		}
		c.ll.Remove(el)
		delete(c.items, k)
	}
	c.mu.Unlock()

	c.misses.Add(1)
	return nil, false
}

// put stores id under k until expiresAt, evicting the least recently used
// entry when the cache is full.
func (c *tokenCache) put(k [sha256.Size]byte, id *Identity, expiresAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if el, ok := c.items[k]; ok {
		e := el.Value.(*cacheEntry)
		e.id, e.expiresAt = id, expiresAt
		c.ll.MoveToFront(el)
		return
	}
	for c.ll.Len() >= c.max {
		oldest := c.ll.Back()
		c.ll.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry).key)
		c.evictions.Add(1)
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{key: k, id: id, expiresAt: expiresAt})
}

// purge empties the cache, for when keys were withdrawn upstream.
func (c *tokenCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.items)
}

// len returns the number of entries.
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
