package auth

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/rowgate/rowgate/jwks"
)

// jwksHost names the service's key set inside the process. It is not a
// network address: [Service.Transport] answers it without a connection.
const jwksHost = "rowgate-auth.internal"

// JWKSURL is where the gateway's verifier fetches this service's public
// keys: an address answered in process by the transport of
// [Service.Transport], so the tokens take the same JWKS path (fetch,
// refresh, unknown-kid refetch, cache) as any provider's.
func (s *Service) JWKSURL() string { return "http://" + jwksHost + "/jwks" }

// Provider returns the key source to add to the verifier's
// [jwks.Config.Providers]: this service's JWKS, its issuer and audience,
// and its role claim.
func (s *Service) Provider() jwks.Provider {
	p := jwks.Provider{
		JWKSURL:      s.JWKSURL(),
		Issuer:       s.issuer(),
		RoleClaimKey: ".role",
		DefaultRole:  s.userRole,
	}
	if s.cfg.Audience != "" {
		p.Audience = []string{s.cfg.Audience}
	}
	return p
}

// Transport returns a round tripper that answers JWKSURL from the
// service's keys in process and hands every other request to next (to
// fail them when next is nil).
func (s *Service) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host != jwksHost {
			if next == nil {
				return nil, errors.New("auth: no transport for " + req.URL.Host)
			}
			return next.RoundTrip(req)
		}
		if req.Body != nil {
			_ = req.Body.Close()
		}
		doc, err := s.signer.JWKS(req.Context())
		if err != nil {
			return nil, err
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(doc)))
		h.Set("Cache-Control", "max-age=60")
		return &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(bytes.NewReader(doc)),
			ContentLength: int64(len(doc)), Request: req,
		}, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
