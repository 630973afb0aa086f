package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Without arguments, rowgate lists every command.
func TestRunNoArgsListsCommands(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, nil); err == nil {
		t.Error("no error without a command")
	}
	for _, cmd := range []string{"serve", "demo", "setup", "health", "version", "help"} {
		if !strings.Contains(out.String(), "\n  "+cmd+" ") {
			t.Errorf("usage lacks %q:\n%s", cmd, out.String())
		}
	}
}

// COMMAND --help prints the command's usage and succeeds.
func TestRunCommandHelp(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"serve", "setup", "demo", "health"} {
		for _, flag := range []string{"--help", "-h"} {
			var out bytes.Buffer
			if err := run(context.Background(), []string{cmd, flag}, &out, nil); err != nil {
				t.Errorf("%s %s: %v", cmd, flag, err)
			}
			if !strings.HasPrefix(out.String(), "usage: rowgate "+cmd) || !strings.Contains(out.String(), "-") {
				t.Errorf("%s %s printed %q", cmd, flag, out.String())
			}
		}
	}
}
