package pgsql

import (
	"reflect"
	"testing"
)

// sampleView is the shape of pg_rewrite.ev_action for
// SELECT p.id AS "my id", length(p.title) AS len, u.name FROM p JOIN u ...,
// trimmed to the fields the parser reads.
const sampleView = `({QUERY :commandType 1 :rtable ({RANGETBLENTRY :eref {ALIAS :aliasname v\ p ` +
	`:colnames ("my\ id" "len" "name")} :relid 26937}) :jointree {FROMEXPR :quals {CONST :consttype 25 ` +
	`:constvalue 10 [ 40 0 0 0 97 32 98 40 99 41 ]}} :targetList ({TARGETENTRY :expr {VAR :varno 3} ` +
	`:resno 1 :resname my\ id :ressortgroupref 0 :resorigtbl 25303 :resorigcol 1 :resjunk false} ` +
	`{TARGETENTRY :expr {FUNCEXPR :funcid 1317} :resno 2 :resname len :ressortgroupref 0 :resorigtbl 0 ` +
	`:resorigcol 0 :resjunk false} {TARGETENTRY :expr {VAR :varno 4} :resno 3 :resname name ` +
	`:ressortgroupref 0 :resorigtbl 25296 :resorigcol 2 :resjunk false}) :override 0 :stmt_len 136})`

func TestViewOrigins(t *testing.T) {
	t.Parallel()
	got, err := viewOrigins(sampleView)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]origin{1: {Rel: 25303, Col: 1}, 3: {Rel: 25296, Col: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("viewOrigins = %v, want %v", got, want)
	}

	// Every truncation is an error or a partial answer, never a panic or
	// a hang.
	for i := range len(sampleView) {
		_, _ = viewOrigins(sampleView[:i])
	}
	for _, bad := range []string{"", "(", "({", "({QUERY", ")", "({QUERY :targetList ({TARGETENTRY :resno})})"} {
		_, _ = viewOrigins(bad)
	}
}
