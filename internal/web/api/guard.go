package api

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"zhipai/internal/auth"
)

// CodeContentType refuses a JSON route's body sent as anything but JSON.
const CodeContentType = "request.content_type"

// guard refuses what another web site could make a visitor's browser
// send: every state-changing request must come from this origin (Origin,
// and Sec-Fetch-Site where the browser sends it; a mini-program and other
// clients send neither), and a JSON route's body must be sent as
// application/json, which a cross-site form cannot do without a CORS
// preflight, which this server never answers. Sign-in is covered too, so
// no site can sign its visitors in or make their browsers send SMS.
func (a *API) guard(r *http.Request, rt Route) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	if !a.sameOrigin(r) {
		return errorOf(auth.CodeCSRF, nil)
	}
	if rt.photo || !hasBody(r) {
		return nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errorOf(CodeContentType, nil)
	}
	return nil
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || r.ContentLength < 0 || len(r.TransferEncoding) > 0
}

// sameOrigin accepts a request whose Origin (when the browser sends one) is
// this server, and whose Sec-Fetch-Site (likewise) is same-origin or none
// (typed by the user). An opaque origin ("null": a sandboxed frame, a
// redirect from elsewhere) is another origin.
func (a *API) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if a.cfg.PublicURL != "" {
		if pu, err := url.Parse(a.cfg.PublicURL); err == nil && pu.Scheme == u.Scheme && pu.Host == u.Host {
			return true
		}
	}
	return u.Host == r.Host
}

// clientIP is the address limits are counted by. Behind trusted proxies it
// is the rightmost address of X-Forwarded-For that is not a trusted proxy
// (each proxy appends the address it was reached from; what is left of
// that is the client's own claim, which anyone can write). Without
// trusted proxies, or when the peer is not one, it is the peer.
func (a *API) clientIP(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !a.trusted(addr) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	var list []string
	for _, h := range hops {
		list = append(list, strings.Split(h, ",")...)
	}
	for i := len(list) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(list[i]))
		if err != nil {
			return addr.String() // a garbled hop: trust nothing left of it
		}
		hop = hop.Unmap()
		if !a.trusted(hop) {
			return hop.String()
		}
		addr = hop
	}
	return addr.String() // every hop is a proxy: the leftmost one
}

func (a *API) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ClientIP is the client's address as clientIP tells it (for the console).
func (a *API) ClientIP(r *http.Request) string { return a.clientIP(r) }

// PublicBase is the address students reach the server at (for the
// console's posters).
func (a *API) PublicBase(r *http.Request) string { return a.publicBase(r) }
