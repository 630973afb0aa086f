package main

import (
	"flag"
	"fmt"
	"io"
)

// newFlagSet returns the flag set of a subcommand. Its usage text, printed for --help and
// after a bad flag, goes to w: synopsis, then the flags. --help makes Parse return
// [flag.ErrHelp], which run turns into success.
func newFlagSet(name, synopsis string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: rowgate %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
