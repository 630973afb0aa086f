package rls

import (
	"testing"
	"time"
)

func TestSharedDeadline(t *testing.T) {
	t.Parallel()
	var s sharedDeadline
	const d = 400 * time.Millisecond
	start := time.Now()
	a := s.get(d)
	b := s.get(d)
	if a != b {
		t.Fatal("two requests at once got contexts of their own")
	}
	at, ok := a.Deadline()
	if !ok {
		t.Fatal("no deadline")
	}
	if left := at.Sub(start); left < d || left > d+d/8+50*time.Millisecond {
		t.Fatalf("deadline %s after the request, want between %s and %s", left, d, d+d/8)
	}
	// Once the shared deadline is nearer than d, a new one is made.
	time.Sleep(d/8 + 10*time.Millisecond)
	c := s.get(d)
	if c == a {
		t.Fatal("a context with less than d left was handed out")
	}
	if at2, _ := c.Deadline(); at2.Sub(time.Now()) < d-10*time.Millisecond {
		t.Fatalf("new deadline only %s away", time.Until(at2))
	}
	// A shorter timeout asked later is not served the longer deadline.
	if e := s.get(d / 4); e == c {
		t.Fatal("a context with a deadline beyond d+d/8 was handed out")
	}
	<-a.Done()
	if a.Err() == nil {
		t.Fatal("shared context never expired")
	}
}
