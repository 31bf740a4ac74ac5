package staff

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"zhipai/internal/domain"
)

// ParseAllowList reads an IP allow-list: addresses and CIDR prefixes,
// separated by commas, spaces or lines; IPv4 and IPv6.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '，' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// AllowsIP reports whether an address is on a parsed allow-list.
func AllowsIP(list []netip.Prefix, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// allowedFrom refuses a school's staff member working from an address off
// the school's allow-list (requirements AU-4); vendor staff and schools
// without a list are not limited.
func (s *Service) allowedFrom(ctx context.Context, u domain.StaffUser, ip string) error {
	if u.SchoolID == 0 {
		return nil
	}
	sc, err := s.store.School(ctx, u.SchoolID)
	if err != nil {
		return domain.Internal("school: %w", err)
	}
	if strings.TrimSpace(sc.StaffIPAllow) == "" {
		return nil
	}
	list, err := ParseAllowList(sc.StaffIPAllow)
	if err != nil || !AllowsIP(list, ip) {
		return fail(CodeIPDenied, err)
	}
	return nil
}
