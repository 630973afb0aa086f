package test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestShutdownKeepsAcknowledgedWrites sends SIGTERM to a gateway while
// clients insert rows as fast as they can, and checks that the process
// exits cleanly, that requests in flight were finished rather than cut,
// and that every insert answered 201 is in the table.
func TestShutdownKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	g, dbName := ownGateway(t, map[string]string{
		"PGRST_DB_POOL":                   "4",
		"ROWGATE_SERVER_SHUTDOWN_TIMEOUT": "10",
	})

	// Writers insert until the server stops answering.
	const writers = 16
	type ack struct {
		tag string
		at  time.Time
	}
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	stopWriters := make(chan struct{})
	client := &http.Client{Timeout: 15 * time.Second}
	for w := range writers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stopWriters:
					return
				default:
				}
				tag := fmt.Sprintf("w%d-%d", w, n)
				req, _ := http.NewRequest(http.MethodPost, g.base+"/writes",
					strings.NewReader(fmt.Sprintf(`{"tag":%q}`, tag)))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					// The listener is closed: the server is going away.
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, ack{tag, time.Now()})
					mu.Unlock()
				}
			}
		})
	}

	// Let the load build up, then ask the server to stop.
	time.Sleep(700 * time.Millisecond)
	signalled := time.Now()
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- g.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("rowgate did not exit cleanly: %v\n%s", err, g.out.String())
		}
	case <-time.After(20 * time.Second):
		_ = g.cmd.Process.Kill()
		t.Fatalf("rowgate did not stop within 20 s of SIGTERM")
	}
	close(stopWriters)
	wg.Wait()

	// Requests that were in flight at the signal were answered.
	mu.Lock()
	defer mu.Unlock()
	after := 0
	for _, a := range acked {
		if a.at.After(signalled) {
			after++
		}
	}
	if len(acked) < writers || after == 0 {
		t.Errorf("%d inserts acknowledged, %d of them after SIGTERM; want load across the signal",
			len(acked), after)
	}

	// Every acknowledged write is in the table.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, withDB(baseURI(), dbName, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT tag FROM writes")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	have := make(map[string]bool, len(stored))
	for _, tag := range stored {
		have[tag] = true
	}
	lost := 0
	for _, a := range acked {
		if !have[a.tag] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes are missing", lost, len(acked))
	}
	t.Logf("%d writes acknowledged (%d after SIGTERM), %d stored", len(acked), after, len(stored))
}
