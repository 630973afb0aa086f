package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The machine may be shared. cpuMeter tells how much CPU went to processes
// other than the benchmark's own (rowgate, wrk, this program and the
// database backends serving the benchmark database) while a measurement
// ran, so a noisy result can be recognised as such.

// clockTick is USER_HZ, the unit of /proc CPU times, on Linux.
const clockTick = 100

type cpuMeter struct {
	start      time.Time
	busy0      int64
	ours0      int64
	pids       []int
	extraTicks int64
}

// startCPU samples the machine's busy time and that of pids.
func startCPU(pids []int) *cpuMeter {
	busy, _ := machineBusyTicks()
	return &cpuMeter{start: time.Now(), busy0: busy, ours0: procTicks(pids), pids: pids}
}

// addOurs counts d of CPU time used by a process of ours that has already
// exited (wrk).
func (m *cpuMeter) addOurs(d time.Duration) {
	m.extraTicks += int64(d * clockTick / time.Second)
}

// foreignCores is the CPU used by other processes since start, in cores.
func (m *cpuMeter) foreignCores() float64 {
	busy, err := machineBusyTicks()
	if err != nil {
		return 0
	}
	ours := procTicks(m.pids) - m.ours0 + m.extraTicks
	secs := time.Since(m.start).Seconds()
	if secs <= 0 {
		return 0
	}
	return max(float64(busy-m.busy0-ours)/clockTick/secs, 0)
}

// machineBusyTicks is the non-idle CPU time of all CPUs from /proc/stat.
func machineBusyTicks() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, errors.New("unexpected /proc/stat")
	}
	var busy int64
	for i, s := range f[1:] {
		// user nice system idle iowait irq softirq steal [guest guest_nice]
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		v, _ := strconv.ParseInt(s, 10, 64)
		busy += v
	}
	return busy, nil
}

// procTicks sums utime and stime of pids; vanished processes count 0.
func procTicks(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		// f[0] is field 3 (state); utime and stime are fields 14 and 15.
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		sum += u + st
	}
	return sum
}

// backendPIDs lists the server processes connected to the benchmark database.
func backendPIDs(ctx context.Context, db *database) []int {
	conn, err := pgx.Connect(ctx, db.adminURI)
	if err != nil {
		return nil
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx,
		"SELECT pid FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db.name)
	if err != nil {
		return nil
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
	out := make([]int, len(pids))
	for i, p := range pids {
		out[i] = int(p)
	}
	return out
}
