package rls

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// AppSetting is one custom setting applied to every request, such as PostgREST's
// app.settings.jwt_exp.
type AppSetting struct {
	Name  string
	Value string
}

// AppSettingPairs returns [Runner.AppSettings] as name/value pairs sorted by name, the
// order in which they are applied.
func (r *Runner) AppSettingPairs() []AppSetting {
	out := make([]AppSetting, 0, len(r.AppSettings))
	for _, name := range slices.Sorted(maps.Keys(r.AppSettings)) {
		out = append(out, AppSetting{Name: name, Value: r.AppSettings[name]})
	}
	return out
}

// withAppSettings appends to the settings statement q, whose parameter values are vals,
// one set_config(name, value, true) per app setting, both as bound parameters. With no
// app settings q and vals are returned unchanged.
func (r *Runner) withAppSettings(q string, vals [][]byte) (string, [][]byte) {
	if len(r.AppSettings) == 0 {
		return q, vals
	}
	var b strings.Builder
	b.WriteString(q)
	for _, s := range r.AppSettingPairs() {
		n := len(vals)
		b.WriteString(", pg_catalog.set_config($" + strconv.Itoa(n+1) + ", $" + strconv.Itoa(n+2) + ", true)")
		vals = append(vals, []byte(s.Name), []byte(s.Value))
	}
	return b.String(), vals
}
