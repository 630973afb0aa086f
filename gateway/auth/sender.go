package auth

import (
	"context"
	"log/slog"
)

// Message is an email the service wants delivered.
type Message struct {
	// To is the recipient's address.
	To string
	// Subject is a one-line subject.
	Subject string
	// Text is the plain-text body.
	Text string
	// URL is the link the message is about (the verification link).
	URL string
}

// Sender delivers email, such as verification links. Implementations must
// be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender is the default [Sender], meant for development and the demo:
// instead of mailing a message it writes it, link included, to the log at
// warn level, so anyone who reads the log can use the link. In production
// configure a real sender.
type LogSender struct {
	Logger *slog.Logger
}

// Send logs m.
func (l LogSender) Send(ctx context.Context, m Message) error {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	log.WarnContext(ctx, "auth: development mail sender: email not sent, its link is logged instead; "+
		"configure a mail sender in production",
		"to", m.To, "subject", m.Subject, "url", m.URL)
	return nil
}
