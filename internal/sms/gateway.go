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
	// Messages are every request taken, in order (tests read what a
	// notification sent).
	messages []Message
	// Refuse, when set, answers each request with a provider's refusal
	// (status 400 and this error) instead of taking it.
	Refuse string
}

// Message is a request the gateway took.
type Message struct {
	Phone, Template string
	Params          map[string]string
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req request
	if (g.Key != "" && r.Header.Get("Authorization") != "Bearer "+g.Key) || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, `{"error":"unauthorised or unreadable"}`, http.StatusUnauthorized)
		return
	}
	g.mu.Lock()
	if g.Refuse != "" {
		g.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": g.Refuse})
		return
	}
	if g.codes == nil {
		g.codes = map[string]string{}
	}
	if code, ok := req.Params["code"]; ok {
		g.codes[req.Phone] = code
	}
	g.messages = append(g.messages, Message{req.Phone, req.Template, req.Params})
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

// Messages are the requests taken so far.
func (g *Gateway) Messages() []Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Message(nil), g.messages...)
}
