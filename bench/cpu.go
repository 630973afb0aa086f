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

// The machine may be shared. cpuMeter tells where the CPU went while a
// measurement ran: to rowgate, to the load generator (wrk, or this program
// for the floor), to the database server (the backends serving the
// benchmark database and the server's background processes), and to other
// processes of the machine, which is noise.

// clockTick is USER_HZ, the unit of /proc CPU times, on Linux.
const clockTick = 100

// cpuUse is CPU time in cores (seconds of CPU per second).
type cpuUse struct {
	Rowgate, Driver, DB, Other float64
}

func (u cpuUse) String() string {
	return fmt.Sprintf("cpu: rowgate %.2f, load %.2f, db %.2f, other %.2f", u.Rowgate, u.Driver, u.DB, u.Other)
}

// perRequest gives the CPU time per request of rowgate (when it ran) and of
// the database at rps: steadier than throughput on a shared machine, so
// the figure to compare when trying a change.
func (u cpuUse) perRequest(rps float64) string {
	if rps <= 0 {
		return ""
	}
	us := func(cores float64) float64 { return cores / rps * 1e6 }
	s := ";"
	if u.Rowgate > 0 {
		s += fmt.Sprintf(" rowgate %.0f µs/req,", us(u.Rowgate))
	}
	return s + fmt.Sprintf(" db %.0f µs/req", us(u.DB))
}

type cpuMeter struct {
	start            time.Time
	busy0            int64
	gw, driver       []int
	gw0, driver0     int64
	dbPIDs           func() []int
	db0              map[int]int64
	extraDriverTicks int64
}

// startCPU samples the machine's busy time and that of the processes
// given: rowgate (gw), the load generator (driver) and the database
// server's, which dbPIDs lists; it is asked again at the end, since
// connections may come and go meanwhile.
func startCPU(gw, driver []int, dbPIDs func() []int) *cpuMeter {
	busy, _ := machineBusyTicks()
	m := &cpuMeter{
		start: time.Now(), busy0: busy, gw: gw, driver: driver, dbPIDs: dbPIDs,
		gw0: procTicks(gw), driver0: procTicks(driver), db0: map[int]int64{},
	}
	for _, pid := range dbPIDs() {
		m.db0[pid] = procTicks([]int{pid})
	}
	return m
}

// addDriver counts d of CPU time used by a load generator that has already
// exited (wrk).
func (m *cpuMeter) addDriver(d time.Duration) {
	m.extraDriverTicks += int64(d * clockTick / time.Second)
}

// use is the CPU used since start, in cores. A database process that
// started meanwhile counts whole; one that ended meanwhile is lost.
func (m *cpuMeter) use() cpuUse {
	busy, err := machineBusyTicks()
	secs := time.Since(m.start).Seconds()
	if err != nil || secs <= 0 {
		return cpuUse{}
	}
	gw := procTicks(m.gw) - m.gw0
	driver := procTicks(m.driver) - m.driver0 + m.extraDriverTicks
	var db int64
	for _, pid := range m.dbPIDs() {
		db += procTicks([]int{pid}) - m.db0[pid]
	}
	cores := func(ticks int64) float64 { return max(float64(ticks)/clockTick/secs, 0) }
	return cpuUse{
		Rowgate: cores(gw), Driver: cores(driver), DB: cores(db),
		Other: cores(busy - m.busy0 - gw - driver - db),
	}
}

// machineBusyTicks is the CPU time all CPUs spent running processes (and
// stolen by the hypervisor), from /proc/stat.
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
		// user nice system idle iowait irq softirq steal [guest guest_nice].
		// Interrupts are left out: the loopback traffic of the benchmark
		// itself is handled there and belongs to no process.
		if i >= 3 && i <= 6 || i >= 8 {
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

// backendPIDs lists the server processes connected to the benchmark
// database, and the server's background processes.
func backendPIDs(ctx context.Context, db *database) []int {
	conn, err := pgx.Connect(ctx, db.adminURI)
	if err != nil {
		return nil
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx,
		// The server's own processes (WAL writer, checkpointer, ...) have no
		// database; they work mostly for the benchmark while it writes.
		"SELECT pid FROM pg_catalog.pg_stat_activity "+
			"WHERE (datname = $1 OR datname IS NULL) AND pid <> pg_backend_pid()", db.name)
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
