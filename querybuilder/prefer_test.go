package querybuilder

import (
	"reflect"
	"testing"
)

func TestParsePrefer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want Prefer
	}{
		{nil, Prefer{MaxAffected: -1}},
		{[]string{"return=representation, count=exact"}, Prefer{Return: "representation", Count: "exact", MaxAffected: -1}},
		{[]string{"resolution=merge-duplicates", "missing=default,handling=strict", "max-affected=5"},
			Prefer{Resolution: "merge-duplicates", Missing: "default", Handling: "strict", MaxAffected: 5}},
		{[]string{"tx=rollback; x, timezone=America/Los_Angeles"},
			Prefer{Tx: "", Timezone: "America/Los_Angeles", MaxAffected: -1, Invalid: []string{"tx=rollback; x"}}},
		{[]string{"return=minimal,return=representation"}, Prefer{Return: "minimal", MaxAffected: -1}},
		{[]string{"count=fast, max-affected=-1, bogus, return=headers-only, RETURN=minimal"},
			Prefer{Return: "headers-only", MaxAffected: -1, Invalid: []string{"count=fast", "max-affected=-1", "bogus"}}},
		{[]string{"tx=commit, resolution=ignore-duplicates, missing=null, handling=lenient, count=planned"},
			Prefer{Tx: "commit", Resolution: "ignore-duplicates", Missing: "null", Handling: "lenient", Count: "planned", MaxAffected: -1}},
	}
	for _, tt := range tests {
		if got := ParsePrefer(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePrefer(%q) =\n%+v, want\n%+v", tt.in, got, tt.want)
		}
	}
}
