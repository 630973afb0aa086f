package querybuilder

import "testing"

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"id":          `"id"`,
		`a"b`:         `"a""b"`,
		"k?":          `"k??"`,
		`x"; drop --`: `"x""; drop --"`,
	} {
		if got := quoteIdent(in); got != want {
			t.Errorf("quoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestOperandType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"integer":                     "integer",
		"numeric(30,10)":              "numeric",
		"character varying(20)":       "character varying",
		"character varying(20)[]":     "character varying[]",
		"character(5)":                "bpchar",
		"character(5)[]":              "bpchar[]",
		"bit(8)":                      "bit varying",
		"timestamp(3) with time zone": "timestamp with time zone",
		`"my(type)"`:                  `"my(type)"`,
		`public."weird ""t(1)"(4)`:    `public."weird ""t(1)"`,
		"text[]":                      "text[]",
	} {
		if got := operandType(in); got != want {
			t.Errorf("operandType(%q) = %q, want %q", in, got, want)
		}
	}
}
