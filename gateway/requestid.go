package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
)

// maxRequestIDLen bounds an incoming X-Request-Id that is echoed and
// logged.
const maxRequestIDLen = 128

// requestIDs makes request ids: a random per-process prefix and a counter,
// unique across restarts and cheap to make.
type requestIDs struct {
	prefix string
	n      *atomic.Uint64
}

func newRequestIDs() requestIDs {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return requestIDs{prefix: hex.EncodeToString(b) + "-", n: new(atomic.Uint64)}
}

// next returns a fresh id such as "5f0c3a9e21b4-1k3".
func (g requestIDs) next() string {
	var buf [40]byte
	b := append(buf[:0], g.prefix...)
	b = strconv.AppendUint(b, g.n.Add(1), 36)
	return string(b)
}

// pick returns the client's id when it is safe to echo and log (1 to 128
// visible ASCII characters), and a fresh one otherwise.
func (g requestIDs) pick(incoming string) string {
	if incoming == "" || len(incoming) > maxRequestIDLen {
		return g.next()
	}
	for i := 0; i < len(incoming); i++ {
		if c := incoming[i]; c < 0x21 || c > 0x7e {
			return g.next()
		}
	}
	return incoming
}
