package test

import (
	"fmt"
	"net/http"
	"testing"
)

type item struct {
	ID     int64  `json:"id"`
	Owner  string `json:"owner"`
	Name   string `json:"name"`
	Public bool   `json:"public"`
}

// insertAs creates an item as sub and returns it.
func insertAs(t *testing.T, sub, name string, public bool) item {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"public":%v}`, name, public)
	r := call(t, http.MethodPost, "/items", token(t, sub, nil), body, "Prefer: return=representation")
	if r.Status != http.StatusCreated {
		t.Fatalf("insert as %s: %d %s", sub, r.Status, r.Body)
	}
	var rows []item
	r.JSON(t, &rows)
	if len(rows) != 1 || rows[0].Owner != sub || rows[0].Name != name {
		t.Fatalf("insert as %s returned %s", sub, r.Body)
	}
	return rows[0]
}

func TestIsolationRead(t *testing.T) {
	t.Parallel()
	a := insertAs(t, userA, "iso-read-a", false)
	b := insertAs(t, userB, "iso-read-b", false)
	pub := insertAs(t, userA, "iso-read-public", true)
	filter := "/items?select=id,owner,name&name=like.iso-read-*&order=id"

	cases := []struct {
		who  string
		tok  string
		want []int64
	}{
		{"alice", token(t, userA, nil), []int64{a.ID, pub.ID}},
		{"bob", token(t, userB, nil), []int64{b.ID, pub.ID}},
		{"anonymous", "", []int64{pub.ID}},
	}
	for _, c := range cases {
		r := call(t, http.MethodGet, filter, c.tok, "")
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.who, r.Status, r.Body)
		}
		var rows []item
		r.JSON(t, &rows)
		var got []int64
		for _, row := range rows {
			got = append(got, row.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s sees %v, want %v", c.who, got, c.want)
		}
	}
}

func TestIsolationUpdate(t *testing.T) {
	t.Parallel()
	a := insertAs(t, userA, "iso-upd-a", false)
	path := fmt.Sprintf("/items?id=eq.%d", a.ID)

	// Bob's update touches nothing: RLS hides the row from him.
	r := call(t, http.MethodPatch, path, token(t, userB, nil), `{"name":"hacked"}`, "Prefer: return=representation")
	if r.Status != http.StatusOK || string(r.Body) != "[]" {
		t.Fatalf("bob's update: %d %s", r.Status, r.Body)
	}
	// Anonymous has no UPDATE privilege at all.
	expectError(t, call(t, http.MethodPatch, path, "", `{"name":"hacked"}`), http.StatusUnauthorized, "42501")

	// Alice's own update works.
	r = call(t, http.MethodPatch, path, token(t, userA, nil), `{"name":"iso-upd-a2"}`)
	if r.Status != http.StatusNoContent {
		t.Fatalf("alice's update: %d %s", r.Status, r.Body)
	}
	r = call(t, http.MethodGet, path+"&select=name", token(t, userA, nil), "")
	if string(r.Body) != `[{"name":"iso-upd-a2"}]` {
		t.Fatalf("after update alice sees %s", r.Body)
	}
}

func TestIsolationDelete(t *testing.T) {
	t.Parallel()
	a := insertAs(t, userA, "iso-del-a", false)
	path := fmt.Sprintf("/items?id=eq.%d", a.ID)

	r := call(t, http.MethodDelete, path, token(t, userB, nil), "", "Prefer: return=representation")
	if r.Status != http.StatusOK || string(r.Body) != "[]" {
		t.Fatalf("bob's delete: %d %s", r.Status, r.Body)
	}
	expectError(t, call(t, http.MethodDelete, path, "", ""), http.StatusUnauthorized, "42501")
	r = call(t, http.MethodGet, path+"&select=id", token(t, userA, nil), "")
	if string(r.Body) != fmt.Sprintf(`[{"id":%d}]`, a.ID) {
		t.Fatalf("row vanished after others' deletes: %s", r.Body)
	}

	r = call(t, http.MethodDelete, path, token(t, userA, nil), "")
	if r.Status != http.StatusNoContent {
		t.Fatalf("alice's delete: %d %s", r.Status, r.Body)
	}
	r = call(t, http.MethodGet, path+"&select=id", token(t, userA, nil), "")
	if string(r.Body) != "[]" {
		t.Fatalf("row still there after delete: %s", r.Body)
	}
}

func TestInsertBreakingPolicy(t *testing.T) {
	t.Parallel()
	// Alice may not create a row owned by Bob: WITH CHECK refuses it.
	body := fmt.Sprintf(`{"name":"iso-steal","owner":%q}`, userB)
	expectError(t, call(t, http.MethodPost, "/items", token(t, userA, nil), body), http.StatusForbidden, "42501")
	// The anonymous role may not insert at all.
	expectError(t, call(t, http.MethodPost, "/items", "", `{"name":"anon"}`), http.StatusUnauthorized, "42501")

	// Nothing was written.
	r := call(t, http.MethodGet, "/items?name=eq.iso-steal", token(t, userB, nil), "")
	if string(r.Body) != "[]" {
		t.Fatalf("refused insert left a row: %s", r.Body)
	}
}
