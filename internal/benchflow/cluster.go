package benchflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// instance is one `zhipai serve` process of a cluster run.
type instance struct {
	cmd  *exec.Cmd
	addr string
	log  string // its log file
	dead atomic.Bool
}

// startInstances starts n `zhipai serve` processes of the executable exe
// on free loopback ports, each with env on top of the bench's own
// environment, and waits until each is ready (/readyz).
func startInstances(ctx context.Context, exe string, n int, dir string, env []string) ([]*instance, error) {
	var out []*instance
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return out, err
		}
		addr := l.Addr().String()
		l.Close()
		in := &instance{addr: addr, log: filepath.Join(dir, fmt.Sprintf("instance-%d.log", i+1))}
		logf, err := os.Create(in.log)
		if err != nil {
			return out, err
		}
		in.cmd = exec.Command(exe, "serve")
		in.cmd.Env = append(append(os.Environ(), env...), "ZHIPAI_ADDR="+addr, "ZHIPAI_DATA_DIR="+filepath.Join(dir, fmt.Sprintf("instance-%d", i+1)))
		in.cmd.Stdout, in.cmd.Stderr = io.Discard, logf
		if err := in.cmd.Start(); err != nil {
			logf.Close()
			return out, err
		}
		logf.Close() // the child holds its own descriptor
		out = append(out, in)
	}
	for _, in := range out {
		if err := waitReady(ctx, in); err != nil {
			return out, err
		}
	}
	return out, nil
}

func waitReady(ctx context.Context, in *instance) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + in.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || in.cmd.ProcessState != nil {
			logs, _ := os.ReadFile(in.log)
			return fmt.Errorf("bench: instance on %s is not ready: %v\n%s", in.addr, err, tail(logs, 2000))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// stopInstances ends the live instances as an operator would (SIGTERM,
// then their graceful shutdown) and reaps the killed one.
func stopInstances(list []*instance) {
	for _, in := range list {
		if !in.dead.Load() {
			in.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, in := range list {
		done := make(chan struct{})
		go func() { in.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			in.cmd.Process.Kill()
			<-done
		}
	}
}

// balancer is the small load balancer in front of a cluster run: round
// robin over the instances, skipping one that refuses connections (a dead
// instance, as a health-checking balancer would after its first failed
// probe). A request whose instance dies while serving it is answered 502,
// as a real balancer answers; the simulated browser then retries it.
type balancer struct {
	backends  []*instance
	next      atomic.Uint64
	transport *http.Transport
	failovers atomic.Int64 // requests sent on to another instance
	cut       atomic.Int64 // requests cut off by a dying instance (502)
}

func newBalancer(list []*instance) *balancer {
	return &balancer{backends: list, transport: &http.Transport{MaxIdleConnsPerHost: 512, ResponseHeaderTimeout: 2 * time.Minute}}
}

func (lb *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	start := lb.next.Add(1)
	for i := range lb.backends {
		in := lb.backends[(int(start)+i)%len(lb.backends)]
		if in.dead.Load() {
			continue
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+in.addr+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		out.Header.Set("X-Forwarded-For", r.Header.Get("X-Bench-Client"))
		out.Header.Del("X-Bench-Client")
		out.Host = r.Host
		resp, err := lb.transport.RoundTrip(out)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				// Nothing reached it: try the next one.
				in.dead.Store(true)
				lb.failovers.Add(1)
				continue
			}
			lb.cut.Add(1)
			http.Error(w, "instance failed: "+err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		if _, err := io.Copy(w, resp.Body); err != nil {
			lb.cut.Add(1)
		}
		resp.Body.Close()
		return
	}
	http.Error(w, "no instance left", http.StatusServiceUnavailable)
}

// killer SIGKILLs the first instance once a quarter of the photos are
// standardized: photo jobs, long polls and requests are in flight on it.
type killer struct {
	once   sync.Once
	victim *instance
	at     time.Time
}

func (k *killer) maybe(processed, students int) {
	if k == nil || processed < max(1, students/4) {
		return
	}
	k.once.Do(func() {
		k.victim.dead.Store(true)
		k.victim.cmd.Process.Kill()
		k.at = time.Now()
	})
}

// clusterEnv is the configuration every instance shares.
func clusterEnv(dbURL, blobURL, s3Access, s3Secret, secretHex, smsURL string, queueLimit int) []string {
	env := []string{"ZHIPAI_DATABASE_URL=" + dbURL, "ZHIPAI_BLOB_URL=" + blobURL, "ZHIPAI_SECRET_KEY=" + secretHex,
		"ZHIPAI_SMS_PROVIDER=http", "ZHIPAI_SMS_URL=" + smsURL, "ZHIPAI_SMS_TEMPLATE=BENCH",
		"ZHIPAI_QUEUE_LIMIT=" + strconv.Itoa(queueLimit), "ZHIPAI_JOB_RESCUE_AFTER=20s", "ZHIPAI_LOG_LEVEL=WARN",
		// The balancer is a trusted proxy: each student's address comes
		// from its X-Forwarded-For, as behind a real balancer, so that the
		// per-address limits see a thousand phones, not one loopback.
		"ZHIPAI_TRUSTED_PROXIES=127.0.0.1/32"}
	if s3Access != "" {
		env = append(env, "ZHIPAI_S3_ACCESS_KEY="+s3Access, "ZHIPAI_S3_SECRET_KEY="+s3Secret)
	}
	return env
}
