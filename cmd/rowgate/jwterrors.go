package main

import (
	"errors"
	"regexp"
	"strconv"

	"github.com/rowgate/rowgate/jwks"
)

// jwtSettingKeys maps the fields of [jwks.Config] to the settings they come from.
var jwtSettingKeys = map[string]string{
	"Secret":             "jwt-secret",
	"JWKS":               "jwt-secret",
	"PEM":                "jwt-secret",
	"JWKSURL":            "jwt-jwks-url",
	"Audience":           "jwt-aud",
	"Issuer":             "jwt-iss",
	"RoleClaimKey":       "jwt-role-claim-key",
	"DefaultRole":        "jwt-default-role",
	"AnonRole":           "db-anon-role",
	"AllowedRoles":       "jwt-allowed-roles",
	"DeniedRoles":        "db-uri",
	"Leeway":             "jwt-leeway",
	"CacheMaxEntries":    "jwt-cache-max-entries",
	"RefreshInterval":    "jwt-jwks-refresh-interval",
	"MinRefreshInterval": "jwt-jwks-min-refresh-interval",
	"MaxStaleness":       "jwt-jwks-max-staleness",
}

// jwtProviderKeys maps the fields of [jwks.Provider] to the keys of a jwt-providers entry.
var jwtProviderKeys = map[string]string{
	"JWKSURL":      "jwks_url",
	"JWKS":         "jwks",
	"Secret":       "secret",
	"PEM":          "pem",
	"Issuer":       "issuer",
	"Audience":     "audience",
	"RoleClaimKey": "role_claim_key",
	"DefaultRole":  "default_role",
}

// jwtProviderField matches "Providers[i]" and "Providers[i].Field".
var jwtProviderField = regexp.MustCompile(`^Providers\[(\d+)\](?:\.(\w+))?$`)

// jwtSettingError rewrites a [*jwks.ConfigError] from [jwks.New] as a [configError] that
// names the setting at fault, such as "jwt-role-claim-key: ...", instead of the Go field.
// configured is the number of jwt-providers entries: a provider past them is the built-in
// auth service's (auth-enabled). Other errors are returned unchanged.
func jwtSettingError(err error, configured int) error {
	var ce *jwks.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	key := ce.Field
	if k, ok := jwtSettingKeys[ce.Field]; ok {
		key = k
	} else if m := jwtProviderField.FindStringSubmatch(ce.Field); m != nil {
		i, _ := strconv.Atoi(m[1])
		switch {
		case i >= configured:
			key = "auth-enabled"
		case m[2] == "":
			key = "jwt-providers[" + m[1] + "]"
		default:
			name, ok := jwtProviderKeys[m[2]]
			if !ok {
				name = m[2]
			}
			key = "jwt-providers[" + m[1] + "]." + name
		}
	}
	return &configError{Key: key, Msg: ce.Err.Error()}
}
