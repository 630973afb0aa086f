package gateway

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// mediaChoice is the representation picked for a response.
type mediaChoice struct {
	media       querybuilder.Media
	contentType string
	// stripNulls is the nulls=stripped parameter of PostgREST's array and
	// object media types.
	stripNulls bool
}

var (
	mediaJSON   = mediaChoice{querybuilder.MediaJSON, "application/json; charset=utf-8", false}
	mediaObject = mediaChoice{querybuilder.MediaObject, "application/vnd.pgrst.object+json; charset=utf-8", false}
	mediaCSV    = mediaChoice{querybuilder.MediaCSV, "text/csv; charset=utf-8", false}
)

// negotiate picks the response media type from an Accept header, honouring
// q-values. An Accept rowgate cannot serve answers 406 PGRST107.
func negotiate(accept string) (mediaChoice, error) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, nil
	}
	type offer struct {
		mt     string
		params map[string]string
		q      float64
	}
	var offers []offer
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		offers = append(offers, offer{mt, params, q})
	}
	sort.SliceStable(offers, func(i, j int) bool { return offers[i].q > offers[j].q })

	for _, o := range offers {
		if o.q <= 0 {
			continue
		}
		switch o.mt {
		case "application/json", "application/*", "*/*":
			return mediaJSON, nil
		case "application/vnd.pgrst.array+json":
			m := mediaJSON
			m.stripNulls = o.params["nulls"] == "stripped"
			m.contentType = "application/vnd.pgrst.array+json; charset=utf-8"
			return m, nil
		case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object":
			m := mediaObject
			m.stripNulls = o.params["nulls"] == "stripped"
			return m, nil
		case "text/csv", "text/*":
			return mediaCSV, nil
		}
	}
	return mediaChoice{}, newError(http.StatusNotAcceptable, "PGRST107",
		"None of these media types are available: "+accept, "")
}

// pickSchema applies Accept-Profile (reads) or Content-Profile (writes).
func pickSchema(cat *catalog.Catalog, r *http.Request) (schema string, named bool, err error) {
	header := "Accept-Profile"
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header = "Content-Profile"
	}
	want := r.Header.Get(header)
	if want == "" {
		if len(cat.Schemas) == 0 {
			return "public", false, nil
		}
		return cat.Schemas[0], false, nil
	}
	if !cat.HasSchema(want) {
		return "", false, &apiError{Status: http.StatusNotAcceptable, Code: "PGRST106",
			Message: "Invalid schema: " + want,
			Hint:    "Only the following schemas are exposed: " + strings.Join(cat.Schemas, ", ")}
	}
	return want, true, nil
}

// parseRange reads a Range header in the items unit ("0-24", "items=5-").
// It returns limit -1 for an open-ended range and ok false when there is no
// usable header.
func parseRange(r *http.Request) (offset, limit int64, err error) {
	v := strings.TrimSpace(r.Header.Get("Range"))
	if v == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return 0, -1, nil
	}
	if unit := r.Header.Get("Range-Unit"); unit != "" && !strings.EqualFold(unit, "items") {
		return 0, -1, nil
	}
	v = strings.TrimPrefix(v, "items=")
	lo, hi, found := strings.Cut(v, "-")
	if !found {
		return 0, -1, nil
	}
	from, err1 := strconv.ParseInt(lo, 10, 64)
	if err1 != nil || from < 0 {
		return 0, -1, nil
	}
	if hi == "" {
		return from, -1, nil
	}
	to, err2 := strconv.ParseInt(hi, 10, 64)
	if err2 != nil {
		return 0, -1, nil
	}
	if to < from {
		return 0, 0, newError(http.StatusRequestedRangeNotSatisfiable, "PGRST103",
			"Requested range not satisfiable", "")
	}
	return from, to - from + 1, nil
}
