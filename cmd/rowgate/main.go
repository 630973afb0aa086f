// Command rowgate serves a PostgREST-compatible Data API for PostgreSQL
// with Row-Level Security.
//
//	rowgate serve [--config FILE]   serve the API (settings from FILE and PGRST_*/ROWGATE_* env)
//	rowgate demo [--port N] [--db-uri URI]
//	                                 start a demo database, print tokens and curl commands
//	rowgate setup --db-uri URI      install roles and the auth schema
//	rowgate health [--ready] [--url URL] [--config FILE]
//	                                 exit 0 when a local rowgate's admin port answers 200
//	rowgate version                 print the version
//	rowgate help                    list the commands
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version and commit are set at build time with -ldflags.
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Environ())
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "rowgate:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand.
func run(ctx context.Context, args []string, stdout io.Writer, environ []string) error {
	if len(args) == 0 {
		fmt.Fprintln(stdout, usage)
		return errors.New("no command given")
	}
	err := dispatch(ctx, args, stdout, environ)
	if errors.Is(err, flag.ErrHelp) {
		// The flag set has printed the command's usage.
		return nil
	}
	return err
}

// dispatch runs the subcommand args[0].
func dispatch(ctx context.Context, args []string, stdout io.Writer, environ []string) error {
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, environ)
	case "demo":
		return runDemo(ctx, args[1:], stdout, environ)
	case "setup":
		return runSetup(ctx, args[1:], stdout)
	case "health":
		return runHealth(ctx, args[1:], stdout, environ)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "rowgate %s (commit %s)\n", version, commit)
		return nil
	case "help", "--help", "-h":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (try: rowgate help)", args[0])
}

const usage = `rowgate: a PostgREST-compatible Data API gateway for PostgreSQL

Commands:
  serve [--config FILE]          serve the API; settings come from FILE (PostgREST's
                                 key = value format) and PGRST_* / ROWGATE_* variables
  demo [--port N] [--db-uri URI] run a demo on a throwaway PostgreSQL (or URI), with
                                 two users' tokens and curl commands printed
  setup --db-uri URI             install roles and the auth schema idempotently
  health [--ready] [--url URL] [--config FILE]
                                 exit 0 when a local rowgate's admin port answers 200
  version                        print the version
  help                           print this list

Run "rowgate COMMAND --help" for a command's flags.`
