package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds one readiness check, database ping included.
const readyTimeout = 2 * time.Second

// AdminHandler serves the admin port: /live answers 200 while the process
// runs; /ready runs ready and answers 200, or 503 with a JSON object whose
// "missing" list says what is not ready (ready may return several errors
// joined with [errors.Join]); /metrics exposes gather in Prometheus' text
// format.
func AdminHandler(ready func(ctx context.Context) error, gather prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		err := ready(ctx)
		if err == nil {
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "ready"})
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"status":  "unavailable",
			"reason":  err.Error(),
			"missing": missing(err),
		})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{}))
	return mux
}

// missing lists the messages of the errors joined in err.
func missing(err error) []string {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range joined.Unwrap() {
		if e != nil {
			out = append(out, e.Error())
		}
	}
	return out
}
