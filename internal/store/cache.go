package store

import (
	"sync"
	"time"
)

// CacheTTL is how long an instance answers campaigns and sessions from
// memory. Writes through this Store drop what they change at once; another
// instance's writes are seen within CacheTTL (a campaign edited in the
// console, a session signed out on another instance). At the first-day
// rush every student's request read both, which were a third of the
// statements queued on SQLite's one connection.
const CacheTTL = 2 * time.Second

// cacheMax bounds an instance's cache; past it, the cache starts afresh.
const cacheMax = 50_000

// ttlCache keeps values for CacheTTL. Values are copied in and out, so
// they must not hold pointers, slices or maps a caller could change.
type ttlCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]cached[V]
}

type cached[V any] struct {
	v    V
	till time.Time
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.till) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cacheMax {
		c.m = map[K]cached[V]{}
	}
	c.m[k] = cached[V]{v, time.Now().Add(CacheTTL)}
}

func (c *ttlCache[K, V]) drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

func (c *ttlCache[K, V]) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
