// Command ferretdb runs FerretDB (MongoDB wire protocol) with its embedded SQLite backend for
// Jitsuin's local and CI infrastructure.
//
// We embed FerretDB through its public ferretdb package instead of `go install`ing its
// cmd/ferretdb, because that binary panics at start-up when build/version/version.txt is
// missing, which is the case for module-proxy builds. The embedded API skips that check.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with -pprof-addr
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP address to listen on")
	dataDir := flag.String("sqlite-dir", envOr("FERRETDB_SQLITE_DIR", "data/ferretdb"), "directory for SQLite database files (one file per database)")
	// Default "error": at "warn" FerretDB logs a full message dump for every client that
	// disconnects (the Node driver's endSessions is not implemented), which floods test logs.
	logLevel := flag.String("log-level", envOr("FERRETDB_LOG_LEVEL", "error"), "debug, info, warn or error")
	pprofAddr := flag.String("pprof-addr", os.Getenv("FERRETDB_PPROF_ADDR"), "serve Go's profiler (net/http/pprof) on this address, to see where FerretDB spends its time")
	printVersion := flag.Bool("version", false, "print the embedded FerretDB module version and exit")
	flag.Parse()

	if *printVersion {
		fmt.Println(ferretVersion())
		return
	}

	if *pprofAddr != "" {
		go func() { fatal("pprof: %v", http.ListenAndServe(*pprofAddr, nil)) }()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fatal("bad -log-level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		fatal("bad -sqlite-dir: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fatal("create -sqlite-dir: %v", err)
	}

	// FerretDB itself listens on a private Unix socket; clients reach it through the
	// write-serialising proxy on the TCP address (see writelock.go).
	socket := filepath.Join(dir, "ferretdb.sock")
	if len(socket) > 100 { // a Unix socket path has room for about 108 bytes
		socket = filepath.Join(os.TempDir(), fmt.Sprintf("jitsuin-ferretdb-%d.sock", os.Getpid()))
	}
	_ = os.Remove(socket)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{Unix: socket},
		Logger:   logger,
		Handler:  "sqlite",
		// The SQLite handler wants a directory URI with a trailing slash.
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		fatal("start: %v", err)
	}

	// SIGTERM from the testkit (stopInfra) cancels the context; Run then closes the listener
	// and the SQLite backend so data files are left consistent.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	// Printed regardless of -log-level so the log always shows what was started.
	fmt.Fprintf(os.Stderr, "ferretdb: FerretDB %s listening on %s, SQLite data in %s\n", ferretVersion(), *listen, dir)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fatal("listen: %v", err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		if err := serveWithWriteLock(ln, func() (net.Conn, error) { return net.Dial("unix", socket) }, logger); err != nil {
			fatal("proxy: %v", err)
		}
	}()
	if err := f.Run(ctx); err != nil {
		fatal("run: %v", err)
	}
}

// ferretVersion reports the FerretDB module version compiled in, from the build info.
func ferretVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/FerretDB/FerretDB" {
				return d.Version
			}
		}
	}
	return "unknown"
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb: "+format+"\n", args...)
	os.Exit(1)
}
