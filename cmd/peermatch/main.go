// Command peermatch is the peer-support group finder: a chatbot on the
// console, Telegram or Discord, and the operator's tools (search, screen,
// times). main only wires the process to run, so tests run the whole
// binary in-process.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // meetings are computed in IANA zones even where the OS has no zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ec exitCode
		if !errors.As(err, &ec) {
			fmt.Fprintln(os.Stderr, "peermatch:", err)
		}
		os.Exit(exitStatus(err))
	}
}
