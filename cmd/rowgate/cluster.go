package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// tempCluster is a throwaway PostgreSQL server for `rowgate demo`: a fresh data folder in a
// temporary directory, trust authentication for the superuser postgres, listening on
// 127.0.0.1 only. [tempCluster.Stop] shuts it down and deletes everything.
type tempCluster struct {
	// URI connects to the postgres database as the superuser postgres.
	URI string
	// Port is the TCP port on 127.0.0.1.
	Port int

	dir  string // temporary folder holding data/, sock/ and postgres.log
	bin  string // folder holding initdb, pg_ctl and postgres
	cred *syscall.Credential

	mu      sync.Mutex
	stopped bool // guarded by mu
}

// clusterInstallHint says what to do when no server binaries are found.
const clusterInstallHint = "PostgreSQL server binaries not found: install them " +
	"(Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; " +
	"macOS: brew install postgresql) or pass --db-uri"

// startTempCluster creates, starts and waits for a new cluster. logf receives progress
// lines and may be nil. PostgreSQL refuses to run as root, so as root the server runs as the
// system user postgres, or nobody when there is no such user.
func startTempCluster(ctx context.Context, logf func(format string, args ...any)) (*tempCluster, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bin, err := findPostgresBin()
	if err != nil {
		return nil, err
	}

	// Pick the user to run as, then make a folder that user owns.
	c := &tempCluster{bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = clusterUnprivilegedUser(); err != nil {
			return nil, err
		}
	}
	base, err := clusterTempBase(c.cred != nil)
	if err != nil {
		return nil, err
	}
	if c.dir, err = os.MkdirTemp(base, "rowgate-demo-"); err != nil {
		return nil, fmt.Errorf("create cluster folder: %w", err)
	}
	if err := c.start(ctx, logf); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return nil, errors.Join(err, c.Stop())
	}
	return c, nil
}

// start runs initdb and pg_ctl start in c.dir, then waits until the server answers.
func (c *tempCluster) start(ctx context.Context, logf func(format string, args ...any)) error {
	sock := filepath.Join(c.dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return fmt.Errorf("create socket folder: %w", err)
	}
	if c.cred != nil {
		for _, p := range []string{c.dir, sock} {
			if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return fmt.Errorf("hand cluster folder to uid %d: %w", c.cred.Uid, err)
			}
		}
	}

	// Create the data folder.
	logf("creating a temporary PostgreSQL cluster in %s", c.dir)
	out, err := c.command(ctx, "initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust",
		"--no-sync", "-E", "UTF8", "--no-locale").CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, clusterTail(string(out), 20))
	}

	// Start the server. The free port may be taken before the server binds it, so a
	// failed start is retried on a new port.
	const attempts = 3
	for i := 1; ; i++ {
		if c.Port, err = clusterFreePort(); err != nil {
			return err
		}
		err = c.pgCtlStart(ctx, sock)
		if err == nil {
			break
		}
		if i == attempts || ctx.Err() != nil || !strings.Contains(err.Error(), "could not bind") {
			return err
		}
		logf("port %d was taken, retrying", c.Port)
	}
	c.URI = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)

	// pg_ctl -w already waited; check that TCP connections work too.
	if err := clusterWaitReady(ctx, c.URI, 30*time.Second); err != nil {
		return fmt.Errorf("temporary cluster does not accept connections: %w\n%s", err, c.logTail())
	}
	logf("temporary PostgreSQL cluster listening on 127.0.0.1:%d", c.Port)
	return nil
}

// pgCtlStart starts the server on c.Port with its socket in sock.
func (c *tempCluster) pgCtlStart(ctx context.Context, sock string) error {
	// pg_ctl hands -o to a shell, so the socket path is quoted.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "+
		"-c synchronous_commit=off -c full_page_writes=off", c.Port, clusterShellQuote(sock))
	cmd := c.command(ctx, "pg_ctl", "-D", c.dataDir(), "-o", opts, "-l", c.logFile(),
		"-w", "-t", "60", "start")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, clusterTail(string(out), 5), c.logTail())
	}
	return nil
}

// Stop shuts the server down (fast mode: open sessions are cut) and removes the folder.
// Calling it again does nothing.
func (c *tempCluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.dir == "" {
		return nil
	}
	c.stopped = true

	// Stop the server if it runs; a bounded wait, so a fresh context.
	var errs []error
	if c.running() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := c.command(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "stop").CombinedOutput()
		if err != nil && c.running() {
			// A fast shutdown waits for checkpoints; immediate does not.
			out2, err2 := c.command(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop").
				CombinedOutput()
			if err2 != nil && c.running() {
				errs = append(errs, fmt.Errorf("pg_ctl stop: %w\n%s%s", err, out, out2))
			}
		}
	}

	// Remove the folder only once no server writes to it.
	if len(errs) == 0 {
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, fmt.Errorf("remove cluster folder: %w", err))
		}
	}
	return errors.Join(errs...)
}

// running reports whether a server holds the data folder (its postmaster.pid exists).
func (c *tempCluster) running() bool {
	_, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid"))
	return err == nil
}

func (c *tempCluster) dataDir() string { return filepath.Join(c.dir, "data") }

func (c *tempCluster) logFile() string { return filepath.Join(c.dir, "postgres.log") }

// logTail returns the end of the server log, for error messages.
func (c *tempCluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil {
		return ""
	}
	return clusterTail(string(b), 20)
}

// command prepares one of the server programs to run in c.dir, as c.cred when set. PG*
// variables are dropped so that nothing from the caller's environment (PGDATA, PGPORT …)
// changes which cluster the programs act on.
func (c *tempCluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// The server started by pg_ctl must not keep the output pipe open, but if it ever
	// does, do not wait for it.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// findPostgresBin returns the folder holding initdb, pg_ctl and postgres. It looks at
// PATH, then at `pg_config --bindir`, then at the usual install folders, newest version
// first.
func findPostgresBin() (string, error) {
	var candidates []string

	// initdb on PATH, and the folder its symlink points to.
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		candidates = append(candidates, filepath.Dir(p))
	}

	// pg_config knows where its server was installed.
	if p, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(p, "--bindir").Output(); err == nil {
			candidates = append(candidates, strings.TrimSpace(string(out)))
		}
	}

	// The usual folders.
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"} {
		matches, _ := filepath.Glob(pattern)
		candidates = append(candidates, clusterSortByVersion(matches)...)
	}
	candidates = append(candidates, "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin")

	for _, dir := range candidates {
		if dir != "" && clusterHasBinaries(dir) {
			return dir, nil
		}
	}
	return "", errors.New(clusterInstallHint)
}

// clusterHasBinaries reports whether dir holds executable initdb, pg_ctl and postgres.
func clusterHasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// clusterSortByVersion orders folders such as /usr/lib/postgresql/9.6/bin and
// /usr/lib/postgresql/15/bin by the version in their path, highest first.
func clusterSortByVersion(dirs []string) []string {
	version := func(dir string) float64 {
		for _, part := range strings.Split(dir, string(filepath.Separator)) {
			part = strings.TrimPrefix(part, "pgsql-")
			if v, err := strconv.ParseFloat(part, 64); err == nil {
				return v
			}
		}
		return -1
	}
	out := slices.Clone(dirs)
	slices.SortStableFunc(out, func(a, b string) int {
		va, vb := version(a), version(b)
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	return out
}

// clusterUnprivilegedUser returns the credentials of the system user postgres, or of
// nobody when there is no such user.
func clusterUnprivilegedUser() (*syscall.Credential, error) {
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			errs = append(errs, fmt.Errorf("user %s has unusable ids %s:%s", name, u.Uid, u.Gid))
			continue
		}
		// An empty Groups drops root's supplementary groups.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, fmt.Errorf("running as root, and no unprivileged user to run PostgreSQL as: %w",
		errors.Join(errs...))
}

// clusterTempBase is the folder to create the cluster folder in. When the server runs as
// another user, every parent must let that user through, so an unsuitable TMPDIR falls
// back to /tmp.
func clusterTempBase(otherUser bool) (string, error) {
	base := os.TempDir()
	if !otherUser || clusterTraversable(base) {
		return base, nil
	}
	if clusterTraversable("/tmp") {
		return "/tmp", nil
	}
	return "", fmt.Errorf("temporary folder %s is not reachable by an unprivileged user; "+
		"set TMPDIR to a folder that is", base)
}

// clusterTraversable reports whether dir and all its parents are searchable by others.
func clusterTraversable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// clusterFreePort asks the kernel for a free TCP port on 127.0.0.1.
func clusterFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// clusterWaitReady connects to uri until `select 1` succeeds or timeout passes.
func clusterWaitReady(ctx context.Context, uri string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := clusterPing(ctx, uri)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func clusterPing(ctx context.Context, uri string) error {
	conn, err := pgx.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "select 1").Scan(&one)
}

// clusterShellQuote quotes s for a POSIX shell.
func clusterShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// clusterTail returns the last n lines of s.
func clusterTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
