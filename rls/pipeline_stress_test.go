package rls_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rowgate/rowgate/rls"
)

// A connection handed along by queueing still goes back through the pool
// at least once a second while requests keep coming.
func TestQueueChainReturnsToThePool(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(t, 1, execModes[0])
	r := rls.NewRunner(pool)
	r.PipelineWindow = time.Second
	for range 4 {
		run(t, r, userEnv(userA), whoAmI)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 6 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := r.Run(context.Background(), userEnv(userA), whoAmI, nil); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	time.Sleep(time.Second)
	before := pool.Stat().AcquireCount()
	time.Sleep(3 * time.Second)
	after := pool.Stat().AcquireCount()
	close(stop)
	wg.Wait()
	t.Logf("pool acquisitions in 3s of load: %d; queue %+v; failures %d", after-before, r.QueueStats(), failed.Load())
	if after-before < 2 {
		t.Errorf("the connection went back through the pool %d times in 3s, want at least 2", after-before)
	}
}

// Chaos without deadlines: cancels, acquisition timeouts, statement
// errors, failed commits, terminated backends. Every success must carry
// its own identity; at the end nothing is held and the runner still
// serves.
func TestQueueChaos(t *testing.T) { queueChaos(t, false) }

// Same with some requests carrying a context deadline.
func TestQueueChaosWithDeadlines(t *testing.T) { queueChaos(t, true) }

func queueChaos(t *testing.T, deadlines bool) {
	e := newEnv(t)
	pool := e.pool(t, 3, execModes[0])
	r := rls.NewRunner(pool)
	r.PipelineWindow = 50 * time.Millisecond
	r.AcquireTimeout = 30 * time.Millisecond
	subs := make([]string, 24)
	for i := range subs {
		subs[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	subs[0], subs[1] = userA, userB
	stop := make(chan struct{})
	time.AfterFunc(8*time.Second, func() { close(stop) })
	var wg sync.WaitGroup
	var ok, bad atomic.Int64
	var mismatch atomic.Value
	// Backend killer.
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			_, _ = e.admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND random() < 0.3`)
		}
	})
	for w := range subs {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithCancel(context.Background())
				switch rng.IntN(6) {
				case 0:
					if deadlines {
						ctx, cancel = context.WithTimeout(context.Background(), time.Duration(rng.IntN(3000))*time.Microsecond)
						break
					}
					time.AfterFunc(time.Duration(rng.IntN(3000))*time.Microsecond, cancel)
				case 1:
					_, _ = r.Run(ctx, anonEnv(), failsForOdd, []any{i})
					cancel()
					continue
				case 2:
					env := userEnv(subs[0])
					env.Method = "POST"
					_, _ = r.Run(ctx, env, insertItem, []any{subs[0], fmt.Sprintf("commit-fails-%d-%d", w, i), false})
					cancel()
					continue
				case 3:
					_, _ = r.Run(ctx, anonEnv(), sleepy, []any{float64(rng.IntN(3)) / 1000})
					cancel()
					continue
				}
				res, err := r.Run(ctx, userEnv(subs[w]), whoAmI, nil)
				cancel()
				if err != nil {
					bad.Add(1)
					continue
				}
				var got struct{ Sub string }
				if err := json.Unmarshal(res.Body, &got); err != nil || got.Sub != subs[w] {
					mismatch.Store(fmt.Sprintf("worker %d got %s (%v)", w, res.Body, err))
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("ok %d, errors %d, queue %+v", ok.Load(), bad.Load(), r.QueueStats())
	if m := mismatch.Load(); m != nil {
		t.Errorf("identity mismatch: %v", m)
	}
	held, waiting, lanes := r.HeldAndWaiting()
	if held != 0 || waiting != 0 || lanes != 0 || pool.Stat().AcquiredConns() != 0 {
		t.Errorf("after the load: held %d, waiting %d, lanes %d, pool acquired %d",
			held, waiting, lanes, pool.Stat().AcquiredConns())
	}
	// Still serves, all connections at once.
	var wg2 sync.WaitGroup
	for w := range 6 {
		wg2.Go(func() {
			if _, err := r.Run(context.Background(), userEnv(subs[w]), whoAmI, nil); err != nil {
				t.Errorf("after the load: %v", err)
			}
		})
	}
	wg2.Wait()
}

// Closing the pool while requests keep coming returns, and every request
// returns.
func TestQueuePoolCloseUnderLoad(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(t, 2, execModes[0])
	r := rls.NewRunner(pool)
	r.PipelineWindow = time.Second
	for range 4 {
		run(t, r, userEnv(userA), whoAmI)
	}
	var wg sync.WaitGroup
	var closed, stop atomic.Bool
	for range 12 {
		wg.Go(func() {
			for !stop.Load() {
				_, err := r.Run(context.Background(), userEnv(userA), whoAmI, nil)
				if err != nil && closed.Load() {
					var rerr *rls.Error
					_ = errors.As(err, &rerr)
					return
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	done := make(chan struct{})
	go func() { closed.Store(true); pool.Close(); close(done) }()
	select {
	case <-done:
		t.Logf("pool.Close returned after %s", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Errorf("pool.Close still blocked after 10s under load (queue %+v)", r.QueueStats())
		stop.Store(true)
		<-done
		t.Logf("pool.Close returned %s after the load stopped", time.Since(start))
	}
	wg.Wait()
}

// A request whose exchange goes stale after a request queued behind it
// took the connection over must not touch the connection again (the
// queued request may have released it). Meaningful with -race.
func TestQueueStaleAheadLeavesPassedConnection(t *testing.T) {
	e := newEnv(t)
	forget := addForget(t, e)
	r := queueingRunner(t, e, 1)
	for range 4 {
		run(t, r, userEnv(userA), whoAmI)
		run(t, r, anonEnv(), forget, 0)
	}
	stop := make(chan struct{})
	time.AfterFunc(4*time.Second, func() { close(stop) })
	var wg sync.WaitGroup
	var failures atomic.Int64
	var firstErr atomic.Value
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				if w == 0 && i%5 == 0 {
					_, err = r.Run(context.Background(), anonEnv(), forget, []any{0.000001})
				} else {
					_, err = r.Run(context.Background(), userEnv(userA), whoAmI, nil)
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	t.Logf("queue %+v, failures %d (first %v)", r.QueueStats(), failures.Load(), firstErr.Load())
	if failures.Load() > 0 {
		t.Errorf("%d requests failed; stale statements should be retried", failures.Load())
	}
}

// The same deterministically: A gets the connection handed over with
// every cached name gone on the server (a function ran DEALLOCATE ALL), B
// queues behind A's exchange, both fail with 26000 and are retried; B
// may release the connection while A is in its stale-statement branch.
func TestQueueStaleAheadAfterHandoff(t *testing.T) {
	e := newEnv(t)
	forget := addForget(t, e)
	r := rls.NewRunner(e.pool(t, 1, execModes[0]))
	r.PipelineWindow = 50 * time.Millisecond
	for round := range 10 {
		for range 4 {
			run(t, r, anonEnv(), forget, 0)
			run(t, r, userEnv(userA), whoAmI)
		}
		ahead := make(chan error, 3)
		go func() { _, err := r.Run(context.Background(), anonEnv(), forget, []any{0.3}); ahead <- err }()
		time.Sleep(100 * time.Millisecond) // A's lane is out of the window: A and B wait
		go func() { _, err := r.Run(context.Background(), userEnv(userA), whoAmI, nil); ahead <- err }()
		time.Sleep(20 * time.Millisecond)
		go func() { _, err := r.Run(context.Background(), userEnv(userB), whoAmI, nil); ahead <- err }()
		for range 3 {
			if err := <-ahead; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	t.Logf("queue %+v", r.QueueStats())
}
