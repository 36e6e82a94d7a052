// Command txpush is the WAP Push system: PPG, push SMSC, handset emulator,
// WAP gateway, PI client, simulator and benchmark, as subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"syscall"
)

// command is one subcommand of txpush.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"version": {"print the version of txpush and of Go", runVersion},
	"smsc":    {"the push SMSC daemon (SMPP server)", untilSignal(smscMain)},
	"ppg":     {"the Push Proxy Gateway daemon (PAP server, SMPP client)", untilSignal(ppgMain)},
	"push":    {"a Push Initiator from the shell: push, status, cancel over PAP", untilSignal(pushMain)},
	"wap":     {"encode, wrap and decode WAP push content", runWap},
	"handset": {"a handset emulator bound to an SMSC as an SMPP receiver", untilSignal(handsetMain)},
	"wapgw":   {"the WAP gateway: the pull proxy handsets fetch pushed URLs through", untilSignal(wapgwMain)},
	"demo":    {"everything on one machine: PPG, push SMSC, simulated network, handsets, WAP gateway, content server, a PI", untilSignal(demoMain)},
	"bench":   {"real-time load through the real PPG and SMSC on loopback", untilSignal(benchMain)},
	"sim":     {"the evaluation: transaction mode against store-and-forward on a virtual clock", simMain},
}

// untilSignal runs a command with a context that ends on SIGINT or
// SIGTERM, so that daemons unbind and drain before they exit.
func untilSignal(main func(ctx context.Context, args []string, stdout, stderr io.Writer) int) func([]string, io.Writer, io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		return main(ctx, args, stdout, stderr)
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "txpush: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if path := os.Getenv("TXPUSH_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintf(stderr, "txpush: %v\n", err)
			return 1
		}
		defer stop()
	}
	if path := os.Getenv("TXPUSH_MEMPROFILE"); path != "" {
		defer writeAllocsProfile(path, stderr)
	}
	return cmd.run(args[1:], stdout, stderr)
}

// writeAllocsProfile writes, as the command ends, where it allocated
// memory over its life (the allocs profile, sampled as the runtime does by
// default) to path with the process id appended, as startCPUProfile does.
func writeAllocsProfile(path string, stderr io.Writer) {
	f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
	if err == nil {
		err = errors.Join(pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
	}
	if err != nil {
		fmt.Fprintf(stderr, "txpush: TXPUSH_MEMPROFILE: %v\n", err)
	}
}

// startCPUProfile writes a CPU profile of the command to path (with the
// process id appended, since bench and demo start several txpush
// processes that inherit the variable) until stop is called. It is how the
// figures in docs/PERFORMANCE.md were taken apart.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("TXPUSH_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("TXPUSH_CPUPROFILE: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: txpush COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'txpush COMMAND -h' for a command's flags.")
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	version := "(devel)"
	revision := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = " " + s.Value
			}
		}
		fmt.Fprintf(stdout, "txpush %s%s %s\n", version, revision, bi.GoVersion)
		return 0
	}
	fmt.Fprintf(stdout, "txpush %s\n", version)
	return 0
}
