package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildRowgate compiles the rowgate binary of the module at root into dir.
func buildRowgate(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "rowgate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rowgate")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build rowgate: %w\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the folder of the rowgate module the benchmark runs from.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the benchmark from inside the rowgate module (go run ./bench)")
	}
	return filepath.Dir(mod), nil
}

// gatewayProc is a running `rowgate serve`.
type gatewayProc struct {
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:port
	port  int
	out   *syncBuffer
	done  chan struct{}
	exitE error
}

// startGateway runs `rowgate serve` with settings and extra (KEY=VALUE
// pairs) in its environment and waits until its admin server says it is
// ready.
func startGateway(bin string, extra []string, settings map[string]string) (*gatewayProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	adminPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"PGRST_SERVER_HOST=127.0.0.1",
		"PGRST_SERVER_PORT="+strconv.Itoa(port),
		"PGRST_ADMIN_SERVER_PORT="+strconv.Itoa(adminPort),
	)
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, extra...)
	return startProc(cmd, "http://127.0.0.1:"+strconv.Itoa(port), port,
		"http://127.0.0.1:"+strconv.Itoa(adminPort)+"/ready")
}

// startProc starts cmd, a server listening at base, and waits until ready
// answers 200.
func startProc(cmd *exec.Cmd, base string, port int, ready string) (*gatewayProc, error) {
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	g := &gatewayProc{cmd: cmd, base: base, port: port, out: out, done: make(chan struct{})}
	go func() {
		g.exitE = cmd.Wait()
		close(g.done)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-g.done:
			return nil, fmt.Errorf("%s exited: %v\n%s", cmd.Path, g.exitE, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g, nil
			}
		}
	}
	g.stop()
	return nil, fmt.Errorf("%s did not become ready\n%s", cmd.Path, out.String())
}

// pid is the process id of the rowgate process.
func (g *gatewayProc) pid() int { return g.cmd.Process.Pid }

// stop asks rowgate to shut down and waits for it.
func (g *gatewayProc) stop() {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
	}
}

// rssKiB reads VmRSS of process pid from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects a child's output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		return len(p), nil // keep the first MiB; enough to explain a failure
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
