package sms

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Gateway is a provider gateway that sends nothing: it takes the requests
// HTTP makes and keeps the last code per phone, so that a load test (zhipai
// bench flow) or a test can sign its simulated students in. With Key set
// it refuses requests without that bearer token, as a real gateway does.
type Gateway struct {
	Key   string
	mu    sync.Mutex
	codes map[string]string
	sent  int
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req request
	if (g.Key != "" && r.Header.Get("Authorization") != "Bearer "+g.Key) || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, `{"error":"unauthorised or unreadable"}`, http.StatusUnauthorized)
		return
	}
	g.mu.Lock()
	if g.codes == nil {
		g.codes = map[string]string{}
	}
	g.codes[req.Phone] = req.Params["code"]
	g.sent++
	g.mu.Unlock()
	w.Write([]byte(`{"id":"kept"}`))
}

// Code is the last code sent to a phone.
func (g *Gateway) Code(phone string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.codes[phone]
}

// Sent counts the messages taken.
func (g *Gateway) Sent() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sent
}
