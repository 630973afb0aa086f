package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// configCheckHost checks the form of a server-host or admin-server-host value without
// resolving it: one of the special values "*", "*4", "!4", "*6" and "!6", an IP address, or
// a host name made of letters, digits and hyphens in dot-separated labels. A value that is
// none of these (such as "256.1.1.1" or "::zz") can never be listened on; catching it here
// names the key instead of failing later at listen time.
func configCheckHost(host string) error {
	switch host {
	case "*", "*4", "!4", "*6", "!6":
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if strings.Contains(host, ":") {
		return fmt.Errorf("%q is not a valid IPv6 address", host)
	}
	if err := configCheckHostName(host); err != nil {
		return fmt.Errorf("%q is neither an IP address nor a host name: %w", host, err)
	}
	return nil
}

// configCheckHostName checks a DNS host name: at most 253 bytes, labels of 1 to 63
// letters, digits and hyphens that neither start nor end with a hyphen, and at least one
// character that is not a digit or a dot (an all-numeric name is a malformed IPv4 address).
func configCheckHostName(name string) error {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return errors.New("a host name has 1 to 253 characters")
	}
	numeric := true
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("each dot-separated label has 1 to 63 characters")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("a label cannot start or end with a hyphen")
		}
		for i := 0; i < len(label); i++ {
			switch c := label[i]; {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_':
				numeric = false
			default:
				return fmt.Errorf("%q is not allowed in a host name", c)
			}
		}
	}
	if numeric {
		return errors.New("only digits and dots: not a valid IPv4 address")
	}
	return nil
}
