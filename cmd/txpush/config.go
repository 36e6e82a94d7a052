package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"gopkg.in/yaml.v3"
)

// Every daemon takes its settings from flags, or from a YAML file named by
// --config whose keys mirror the flags; a flag given on the command line
// wins over the file. Each daemon keeps its settings in one struct with
// yaml tags and binds its flags to that struct's fields.

// parseWithConfig parses args into the struct that bind's flags point at.
// When --config names a file, the struct is filled from it first, then
// the flags given on the command line are applied on top.
func parseWithConfig[T any](name string, args []string, stderr io.Writer, cfg *T, bind func(fs *flag.FlagSet, cfg *T)) (configPath string, err error) {
	fs := flag.NewFlagSet("txpush "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&configPath, "config", "", "YAML `file` with the settings (keys mirror the flags); flags override it")
	start := *cfg
	bind(fs, cfg)
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if configPath == "" {
		return "", nil
	}
	// Start again from the defaults, read the file, and apply the flags
	// that were set on the command line.
	fromFile := start
	if err := loadYAML(configPath, &fromFile); err != nil {
		return "", err
	}
	again := flag.NewFlagSet("", flag.ContinueOnError)
	again.SetOutput(io.Discard)
	bind(again, &fromFile)
	var setErr error
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" || setErr != nil {
			return
		}
		if list, ok := f.Value.(*stringList); ok {
			for _, v := range *list {
				if setErr = again.Set(f.Name, v); setErr != nil {
					return
				}
			}
			return
		}
		setErr = again.Set(f.Name, f.Value.String())
	})
	if setErr != nil {
		return "", setErr
	}
	*cfg = fromFile
	return configPath, nil
}

// daemonArgs parses a daemon's flags (and --config) into set and makes its
// logger at the level the settings name. When ok is false the command
// exits with code: 0 after -h, 2 for a usage error (already reported).
func daemonArgs[T any](name string, args []string, stderr io.Writer, set *T, bind func(*flag.FlagSet, *T), level func(*T) string) (log *slog.Logger, code int, ok bool) {
	if _, err := parseWithConfig(name, args, stderr, set, bind); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0, false
		}
		fmt.Fprintf(stderr, "txpush %s: %v\n", name, err)
		return nil, 2, false
	}
	log, err := newLogger(stderr, level(set))
	if err != nil {
		fmt.Fprintf(stderr, "txpush %s: %v\n", name, err)
		return nil, 2, false
	}
	return log, 0, true
}

// newLogger makes the structured logger of a daemon.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// clientTLS is the TLS configuration of a daemon that dials: nil when
// neither TLS nor a CA file is asked for; with caFile, only certificates
// signed by that CA are trusted, else the system's roots. The server name
// is set per connection from the address dialled.
func clientTLS(enabled bool, caFile string) (*tls.Config, error) {
	if !enabled && caFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate in it", caFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// loadYAML reads a YAML file strictly: an unknown key is an error, so a
// misspelt setting is not silently ignored.
func loadYAML(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return fmt.Sprint(*l) }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
