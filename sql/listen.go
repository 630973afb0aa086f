package pgsql

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ListenerAppName is the application_name of the listener's connection,
// so operators (and tests) can tell it apart in pg_stat_activity.
const ListenerAppName = "rowgate listener"

// Listener keeps one dedicated connection LISTENing on a channel and
// reloads the schema cache when asked with
//
//	NOTIFY pgrst, 'reload schema';  -- or an empty payload
//
// A burst of notifications causes two reloads: one at once and one when
// the burst has been quiet for Debounce. A burst that does not go quiet
// (notifications closer together than Debounce, for as long as they keep
// coming) also reloads whenever a notification has waited MaxWait, so a
// schema change is never held back for longer than that.
//
// When the connection drops (the database restarted, the backend was
// terminated) the Listener reconnects with exponential backoff and reloads
// once it is back, since notifications sent meanwhile were lost.
type Listener struct {
	// Config is the connection to listen on. The Listener connects with a
	// copy, named [ListenerAppName], that insists on a read-write server:
	// LISTEN does not work on a hot standby.
	Config *pgx.ConnConfig
	// Channel is the channel name (db-channel), used verbatim.
	Channel string
	// Reload loads the schema cache and swaps it in. An error is logged
	// and the old cache stays.
	Reload func(ctx context.Context) error
	// Logger receives connection and reload events; nil discards them.
	Logger *slog.Logger

	// Debounce is the quiet time that ends a burst; zero means 100 ms.
	Debounce time.Duration
	// MaxWait bounds how long a notification waits for the reload that
	// covers it while a burst goes on; zero means 1 s.
	MaxWait time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts, which doubles after each failure; zero means 1 s and 32 s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// Run listens until ctx ends, then closes its connection and returns nil.
// It returns an error only when the Listener is misconfigured.
func (l *Listener) Run(ctx context.Context) error {
	if l.Config == nil || l.Channel == "" || l.Reload == nil {
		return fmt.Errorf("pgsql: listener needs Config, Channel and Reload")
	}
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	minWait, maxWait := orDefault(l.MinBackoff, time.Second), orDefault(l.MaxBackoff, 32*time.Second)

	wait := minWait
	connected := false
	for {
		conn, err := l.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Warn("cannot listen for schema reloads; retrying", "channel", l.Channel,
				"retry_in", wait, "error", err)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil
			}
			wait = min(wait*2, maxWait)
			continue
		}
		wait = minWait

		// Notifications sent while the connection was down are lost:
		// reload once the listener is back.
		if connected {
			log.Info("listening again for schema reloads; reloading", "channel", l.Channel)
			l.reload(ctx, log)
		} else {
			log.Info("listening for schema reloads", "channel", l.Channel)
		}
		connected = true

		err = l.listen(ctx, conn, log)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(closeCtx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("lost the schema reload listener connection", "channel", l.Channel, "error", err)
	}
}

// connect opens the dedicated connection and starts listening.
func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := l.Config.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = ListenerAppName
	cfg.ValidateConnect = pgconn.ValidateConnectTargetSessionAttrsReadWrite
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("listen: %w", err)
	}
	return conn, nil
}

// listen handles notifications until the connection fails or ctx ends.
// One goroutine waits for notifications on the connection, which is not
// safe for concurrent use; this one debounces and reloads.
func (l *Listener) listen(ctx context.Context, conn *pgx.Conn, log *slog.Logger) error {
	wctx, cancel := context.WithCancel(ctx)
	payloads := make(chan string)
	done := make(chan error, 1)
	go func() {
		for {
			n, err := conn.WaitForNotification(wctx)
			if err != nil {
				done <- err
				return
			}
			select {
			case payloads <- n.Payload:
			case <-wctx.Done():
				done <- wctx.Err()
				return
			}
		}
	}()
	defer func() {
		cancel()
		if done != nil {
			<-done
		}
	}()

	debounce := orDefault(l.Debounce, 100*time.Millisecond)
	maxWait := orDefault(l.MaxWait, time.Second)
	// quiet ends a burst; overdue fires MaxWait after the first
	// notification that is still waiting for a reload (pending).
	var quiet, overdue *time.Timer
	var quietC, overdueC <-chan time.Time
	pending := false
	defer func() {
		for _, t := range []*time.Timer{quiet, overdue} {
			if t != nil {
				t.Stop()
			}
		}
	}()
	for {
		select {
		case p := <-payloads:
			// TODO: 'reload config' (and the config half of an empty
			// payload) is ignored, because rowgate cannot reload its
			// configuration at run time yet; restart it instead.
			if p != "" && p != "reload schema" {
				log.Debug("notification ignored", "channel", l.Channel, "payload", p)
				continue
			}
			if quietC == nil {
				// The first of a burst reloads at once.
				l.reload(ctx, log)
				quiet = time.NewTimer(debounce)
				quietC = quiet.C
				continue
			}
			if !pending {
				overdue = time.NewTimer(maxWait)
				overdueC = overdue.C
			}
			pending = true
			quiet.Reset(debounce)
		case <-quietC:
			// The burst is over; its later notifications reload once.
			if pending {
				l.reload(ctx, log)
				overdue.Stop()
			}
			quietC, overdueC, pending = nil, nil, false
		case <-overdueC:
			// The burst goes on, but its waiting notifications have
			// waited long enough: reload now, and keep debouncing.
			l.reload(ctx, log)
			overdueC, pending = nil, false
		case err := <-done:
			done = nil
			return err
		case <-ctx.Done():
			return nil
		}
	}
}

// reload runs Reload and logs the outcome.
func (l *Listener) reload(ctx context.Context, log *slog.Logger) {
	if err := l.Reload(ctx); err != nil {
		log.Error("schema cache reload failed; keeping the old one", "error", err)
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
