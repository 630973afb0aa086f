// Package test holds rowgate's end-to-end tests: they build the rowgate
// binary, run it against a real PostgreSQL with a real JWKS endpoint, and
// talk to it over HTTP as a client application would.
//
// The database comes from ROWGATE_TEST_DATABASE_URL (a superuser URL,
// default postgres://postgres@127.0.0.1:5432/postgres); each run creates
// and drops a database of its own.
package test
