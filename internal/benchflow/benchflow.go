// Package benchflow is the load generator of `zhipai bench flow`: it runs
// a whole Zhipai on loopback and sends simulated students through the
// whole path at once, over HTTP: sign in by SMS (a local SMS gateway hands
// the codes back), choose the campaign, consent, identity, both ID-card
// photos, roster match, confirm, upload, wait for the standardized photo,
// submit, read the status. It reports requests/s, API latency by kind,
// photos standardized per second against cores x single-photo speed, peak
// RSS, and any error or lost upload. It sits beside the CLI, above app and
// web, and nothing in the product imports it.
package benchflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/blob"
	"zhipai/internal/config"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/procstat"
	"zhipai/internal/raster"
	"zhipai/internal/secret"
	"zhipai/internal/sms"
	"zhipai/internal/web"
	"zhipai/internal/web/api"
)

// Options describe a run.
type Options struct {
	Students int
	// Database: sqlite (a temporary file), postgres (a temporary schema on
	// DefaultPostgres), or a postgres:// URL of a database to fill.
	Database string
	// Photo is the portrait every student uploads; Card the portrait on
	// the specimen ID cards.
	Photo     []byte
	PhotoName string
	Card      *raster.Image
	// Think is a student's pause before each step (uniformly 0.5-1.5 times
	// it); 0: every request at once, the worst case.
	Think time.Duration
	// Blob: file (a directory) or s3 (a local S3 server, bin/versitygw,
	// started for the run).
	Blob string
	// Instances > 1 runs that many `zhipai serve` processes of Exe on one
	// PostgreSQL and one blob store, behind a small balancer; KillOne
	// SIGKILLs one of them once a quarter of the photos are done.
	Instances int
	KillOne   bool
	// SyncCards checks the ID-card photos in the upload request, as the
	// first clients ask; otherwise both sides are sent with Prefer:
	// respond-async and their checks long-polled, as the web app does.
	SyncCards bool
	Exe       string
}

// UsageError is a run refused for its options (the CLI exits 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Run performs the run and prints its report to out. It returns an error
// when the run could not be made, and ok=false when students met errors
// or uploads were lost (the report lists them).
func Run(o Options, out io.Writer) (ok bool, err error) {
	b := &flowBench{students: o.Students, photo: o.Photo, photoName: o.PhotoName, think: o.Think, syncCards: o.SyncCards, out: out}
	if o.Instances > 1 && o.Database == "sqlite" {
		return false, UsageError{errors.New("bench: --instances needs --database postgres: instances share one PostgreSQL")}
	}
	if o.KillOne && o.Instances < 2 {
		return false, UsageError{errors.New("bench: --kill-one needs --instances 2 or more")}
	}
	if o.Blob != "" && o.Blob != "file" && o.Blob != "s3" {
		return false, UsageError{errors.New("bench: --blob must be file or s3")}
	}
	if err := b.run(o); err != nil {
		return false, err
	}
	return !b.failed(), nil
}

// DefaultPostgres is the server `--database postgres` makes its temporary
// schema on.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

type flowBench struct {
	students  int
	photo     []byte
	photoName string
	think     time.Duration
	syncCards bool
	// poolWaits and poolWaited: how often and how long requests and jobs
	// waited for a database connection (one server in this process).
	poolWaits  int64
	poolWaited time.Duration
	// poolClosed: connections closed for want of an idle slot (each is
	// reopened, a new backend on PostgreSQL).
	poolClosed int64
	// readers: the same for SQLite's read-only pool, when it has one.
	readers *sql.DBStats
	out     io.Writer

	base      string
	transport *http.Transport // shared by the students' clients
	// Each student's card front (their own name and number), and the back
	// every card shares.
	fronts    [][]byte
	back      []byte
	mu        sync.Mutex
	lat       map[string][]time.Duration
	errs      []string
	requests  atomic.Int64
	waited429 atomic.Int64
	firstUp   time.Time
	lastDone  time.Time
	processed int
	// pipelineMS is each photo's time in the pipeline during the run.
	pipelineMS []float64
	// gate opens when every student has reached the upload, so the photos
	// arrive together and the queue is saturated, as at a deadline rush.
	gate    chan struct{}
	waiting atomic.Int64
	// A cluster run's balancer and the instance it kills.
	lb    *balancer
	kill  *killer
	retry atomic.Int64 // requests the students sent again after a 502 or a refused connection
	// acked is each student's upload id, once the server answered it.
	acked            map[int]int64
	lost, duplicated int
}

// arrive counts a student at the gate (or out of the run) and opens it
// when all are there.
func (b *flowBench) arrive() {
	if b.waiting.Add(1) == int64(b.students) {
		close(b.gate)
	}
}

func (b *flowBench) failed() bool { return len(b.errs) > 0 || b.lost > 0 || b.duplicated > 0 }

func (b *flowBench) run(o Options) error {
	ctx := context.Background()
	database, cardImg := o.Database, o.Card
	dir, err := os.MkdirTemp("", "zhipai-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL, dropSchema, err := benchDatabase(ctx, database, dir)
	if err != nil {
		return err
	}
	defer dropSchema()

	// A local gateway keeps the codes so the simulated students can read
	// theirs; the server sends them through its real HTTP sender.
	codes := &sms.Gateway{}
	gw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer gw.Close()
	go http.Serve(gw, codes)
	base, err := config.FromEnv()
	if err != nil {
		return UsageError{err}
	}
	cfg := base
	cfg.DataDir, cfg.DatabaseURL, cfg.Addr = dir, dbURL, "127.0.0.1:0"
	cfg.SecretKey = strings.Repeat("5a", secret.KeySize)
	cfg.QueueLimit = max(cfg.QueueLimit, b.students+16)
	cfg.SMS = config.SMS{Provider: "http", URL: "http://" + gw.Addr().String() + "/send", Template: "BENCH"}
	blobName := "a local directory"
	switch {
	case o.Blob == "s3":
		bin, err := blob.S3ServerBin()
		if err != nil {
			return UsageError{err}
		}
		s3, stop, err := blob.StartS3Server(ctx, bin, filepath.Join(dir, "s3"), "zhipai-bench", "bench/")
		if err != nil {
			return err
		}
		defer stop()
		cfg.BlobURL, cfg.S3AccessKey, cfg.S3SecretKey = s3.URL(), s3.AccessKey, s3.SecretKey
		blobName = "S3 (versitygw on loopback)"
	case o.Instances > 1:
		cfg.BlobURL = "file://" + filepath.Join(dir, "blobs")
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.Close()
	d, err := app.SeedDemo(ctx, a)
	if err != nil {
		return err
	}
	if err := b.seedRoster(ctx, a, d.CampaignID); err != nil {
		return err
	}
	if err := b.renderCards(cardImg); err != nil {
		return err
	}

	single, err := singlePhotoMS(ctx, a, b.photo)
	if err != nil {
		return err
	}

	var instances []*instance
	if o.Instances > 1 {
		// The seeding app stays open for the counts at the end, but runs
		// no jobs: the instances do all the work.
		env := clusterEnv(dbURL, cfg.BlobURL, cfg.S3AccessKey, cfg.S3SecretKey, cfg.SecretKey, cfg.SMS.URL, cfg.QueueLimit)
		instances, err = startInstances(ctx, o.Exe, o.Instances, dir, env)
		defer func() { stopInstances(instances) }()
		if err != nil {
			return err
		}
		b.lb = newBalancer(instances)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lbSrv := &http.Server{Handler: b.lb}
		go lbSrv.Serve(l)
		defer lbSrv.Close()
		b.base = "http://" + l.Addr().String()
		if o.KillOne {
			b.kill = &killer{victim: instances[0]}
		}
	} else {
		// Trusting the loopback as a balancer, so that each student has
		// an address of its own, as with --instances.
		srv := web.New(api.New(api.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, a.Services(), nil), a.Store.DB(), nil)
		if err := a.Start(ctx); err != nil {
			return err
		}
		sctx, stop := context.WithCancel(ctx)
		addrc := make(chan net.Addr, 1)
		go srv.Serve(sctx, cfg.Addr, func(ad net.Addr) { srv.SetReady(true); addrc <- ad })
		defer stop()
		b.base = "http://" + (<-addrc).String()
	}
	b.transport = &http.Transport{MaxIdleConnsPerHost: b.students + 8}
	b.lat = map[string][]time.Duration{}
	b.acked = map[int]int64{}
	b.gate = make(chan struct{})

	where := "1 instance in this process"
	if o.Instances > 1 {
		where = fmt.Sprintf("%d instances (zhipai serve) behind a balancer", o.Instances)
		if o.KillOne {
			where += ", one SIGKILLed when a quarter of the photos are done"
		}
	}
	fmt.Fprintf(b.out, "bench flow: %d students at once, %s, blobs on %s, %s, %d cores, photo %s (%d KB), ID cards 1600x1200, think time %s\n",
		b.students, a.Store.Dialect(), blobName, where, runtime.NumCPU(), b.photoName, len(b.photo)/1024, b.think)
	fmt.Fprintf(b.out, "single photo (standardize + checks, one at a time, in process): %.0f ms\n", single)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < b.students; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.student(i, d.CampaignID, codes); err != nil {
				b.fail(fmt.Sprintf("student %d: %v", i, err))
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if b.lb == nil { // the server's pool is this process's
		st := a.Store.DB().Stats()
		b.poolWaits, b.poolWaited, b.poolClosed = st.WaitCount, st.WaitDuration, st.MaxIdleClosed
		if r, ok := a.Store.ReaderStats(); ok {
			b.readers = &r
		}
	}

	// Counted against what was sent: every upload a student was given an
	// id for is standardized and submitted (else lost), and no student
	// has a second upload or submission (else duplicated).
	db := a.Store.DB()
	q := func(query string, dst *int) {
		if err := db.QueryRowContext(ctx, query).Scan(dst); err != nil {
			b.fail("count: " + err.Error())
		}
	}
	var uploads, perStudent, submissions, subStudents int
	q(`SELECT COUNT(*) FROM uploads`, &uploads)
	q(`SELECT COUNT(DISTINCT enrolment_id) FROM uploads`, &perStudent)
	q(`SELECT COUNT(*) FROM submissions`, &submissions)
	q(`SELECT COUNT(DISTINCT enrolment_id) FROM submissions`, &subStudents)
	b.duplicated = uploads - perStudent + submissions - subStudents
	if len(b.acked) > 0 {
		ids := make([]string, 0, len(b.acked))
		for _, id := range b.acked {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		var kept int
		q(`SELECT COUNT(*) FROM uploads u JOIN submissions s ON s.upload_id = u.id
			WHERE u.status = 'done' AND s.state = 'pending' AND u.id IN (`+strings.Join(ids, ",")+`)`, &kept)
		b.lost = len(ids) - kept
	}
	// How long each photo took inside the pipeline during the run (its own
	// timing), against the same photo alone.
	if rows, err := db.QueryContext(ctx, `SELECT report_json FROM uploads WHERE status = 'done'`); err == nil {
		for rows.Next() {
			var raw string
			var rep struct {
				Timings map[string]float64 `json:"timings_ms"`
			}
			if rows.Scan(&raw) == nil && json.Unmarshal([]byte(raw), &rep) == nil {
				b.pipelineMS = append(b.pipelineMS, rep.Timings["total"])
			}
		}
		rows.Close()
	}
	// The photo span, by the server's own clock: from the first upload
	// stored to the last result stored.
	var first, last int64
	if err := db.QueryRowContext(ctx, `SELECT MIN(created_at), MAX(updated_at) FROM uploads WHERE status = 'done'`).Scan(&first, &last); err == nil {
		b.firstUp, b.lastDone = time.UnixMilli(first), time.UnixMilli(last)
	}
	b.report(wall, single)
	return nil
}

func benchDatabase(ctx context.Context, database, dir string) (url string, drop func(), err error) {
	drop = func() {}
	switch {
	case database == "sqlite":
		return "sqlite:" + filepath.Join(dir, "zhipai.db"), drop, nil
	case database == "postgres" || strings.HasPrefix(database, "postgres://"):
		base := database
		if base == "postgres" {
			base = DefaultPostgres
		}
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return "", drop, err
		}
		if err := admin.PingContext(ctx); err != nil {
			admin.Close()
			return "", drop, fmt.Errorf("bench: PostgreSQL: %w", err)
		}
		schema := "zhipai_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return "", drop, err
		}
		drop = func() { admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); admin.Close() }
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + "search_path=" + schema, drop, nil
	}
	return "", drop, UsageError{fmt.Errorf("bench: --database must be sqlite, postgres or a postgres:// URL")}
}

// benchStudent is the i-th simulated student of the roster.
func benchStudent(i int) (name, doc, phone string) {
	first := fmt.Sprintf("440106200801%02d%03d", i%28+1, i%1000)
	if i >= 1000 {
		first = fmt.Sprintf("4401062008%02d%02d%03d", 2+i/28000, i%28+1, i%1000)
	}
	surnames, given := []rune("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"), []rune("一二三四五六七八九十明华伟芳娜敏静丽强磊")
	name = string([]rune{surnames[i%len(surnames)], given[(i/len(surnames))%len(given)], given[(i*7+3)%len(given)]})
	return name, first + string(idnumber.CheckChar(first)), fmt.Sprintf("1990%07d", i)
}

// renderCards renders each student's specimen card, on every core.
func (b *flowBench) renderCards(portrait *raster.Image) error {
	b.fronts = make([][]byte, b.students)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := atomic.Int64{}
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < b.students; i = int(next.Add(1) - 1) {
				name, doc, _ := benchStudent(i)
				front, back, err := app.DemoCardPhotos(portrait, app.CardPerson(name, doc))
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				b.fronts[i] = front
				if b.back == nil {
					b.back = back
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func (b *flowBench) seedRoster(ctx context.Context, a *app.App, campaignID int64) error {
	rows := [][]string{{"姓名", "证件号码", "学号", "学院", "专业", "班级"}}
	for i := 0; i < b.students; i++ {
		name, doc, _ := benchStudent(i)
		rows = append(rows, []string{name, doc, fmt.Sprintf("B%06d", i), "压测学院", "软件工程", fmt.Sprintf("%d 班", i%20+1)})
	}
	rep, err := a.Roster.Import(ctx, campaignID, rows)
	if err != nil {
		return err
	}
	if !rep.Imported {
		return fmt.Errorf("bench: roster refused: %+v", rep.Errors[:min(3, len(rep.Errors))])
	}
	return nil
}

// singlePhotoMS times the standardization of the photo alone, a few times,
// one at a time: the reference for the throughput target.
func singlePhotoMS(ctx context.Context, a *app.App, data []byte) (float64, error) {
	spec, err := photo.LookupSpec("chsi")
	if err != nil {
		return 0, err
	}
	var times []float64
	for i := 0; i < 7; i++ {
		t := time.Now()
		if _, err := a.Engine.Standardize(ctx, data, spec); err != nil {
			return 0, fmt.Errorf("bench: the photo is refused (%v): choose one that standardizes", err)
		}
		times = append(times, float64(time.Since(t).Microseconds())/1000)
	}
	sort.Float64s(times[2:]) // the first two warm up
	return times[2+len(times[2:])/2], nil
}

func (b *flowBench) fail(msg string) {
	b.mu.Lock()
	b.errs = append(b.errs, msg)
	b.mu.Unlock()
}

func (b *flowBench) record(kind string, d time.Duration) {
	b.mu.Lock()
	b.lat[kind] = append(b.lat[kind], d)
	b.mu.Unlock()
}

type benchClient struct {
	b    *flowBench
	c    *http.Client
	csrf string
	addr string // the simulated phone's address, behind the balancer
	// carded: the student's ID card is sent. Its non-photo calls before
	// are the sign-up rush, when every student signs up at once and no
	// engine work runs yet; those after are served while card checks and
	// photos fill the cores.
	carded bool
}

// routeOf names a path's route (ids and the query dropped).
func routeOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	return idInPath.ReplaceAllString(path, "/{id}$1")
}

func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	return float64(s[max(0, min(i, len(s)-1))].Microseconds()) / 1000
}

func (b *flowBench) report(wall time.Duration, singleMS float64) {
	w := b.out
	n := b.requests.Load()
	fmt.Fprintf(w, "\n%d requests in %.1f s: %.0f requests/s (including waits for photos)\n", n, wall.Seconds(), float64(n)/wall.Seconds())
	fmt.Fprintf(w, "%-34s %8s %8s %8s %8s\n", "latency (ms)", "calls", "p50", "p95", "max")
	titles := map[string]string{"api": "non-photo API calls", "api-rush": "  before the student's ID card", "api-busy": "  after it (engine work running)", "upload": "photo uploads (the photo above)", "idcard": "ID-card photo uploads",
		"cardwait": "waits for a card check (long poll)", "cardanswer": "ID-card answer (both sides)", "wait": "waits for the result (long poll)"}
	if b.syncCards {
		titles["idcard"] = "ID-card photo uploads + checks"
	}
	for _, k := range []string{"api", "api-rush", "api-busy", "upload", "idcard", "cardwait", "cardanswer", "wait"} {
		if len(b.lat[k]) == 0 {
			continue
		}
		fmt.Fprintf(w, "%-34s %8d %8.1f %8.1f %8.1f\n", titles[k], len(b.lat[k]), pct(b.lat[k], 0.5), pct(b.lat[k], 0.95), pct(b.lat[k], 1))
	}
	fmt.Fprintln(w, "by route:")
	var routes []string
	for k := range b.lat {
		if strings.HasPrefix(k, "route ") {
			routes = append(routes, k)
		}
	}
	sort.Strings(routes)
	for _, k := range routes {
		fmt.Fprintf(w, "  %-48s %8d %8.1f %8.1f %8.1f\n", strings.TrimPrefix(k, "route "), len(b.lat[k]), pct(b.lat[k], 0.5), pct(b.lat[k], 0.95), pct(b.lat[k], 1))
	}
	if n429 := b.waited429.Load(); n429 > 0 {
		fmt.Fprintf(w, "429 answers waited out: %d\n", n429)
	}
	span := b.lastDone.Sub(b.firstUp).Seconds()
	cores := runtime.NumCPU()
	ideal := float64(cores) * 1000 / singleMS
	got := float64(b.processed) / span
	fmt.Fprintf(w, "photos (all uploaded at once): %d standardized in %.1f s from the first upload stored to the last result stored: %.2f photos/s;\n  cores x single-photo speed = %d x %.1f/s = %.2f/s: %.0f%%\n",
		b.processed, span, got, cores, 1000/singleMS, ideal, 100*got/ideal)
	if len(b.pipelineMS) > 0 {
		sort.Float64s(b.pipelineMS)
		fmt.Fprintf(w, "  pipeline time per photo during the run: median %.0f ms (standardization alone, without the checks)\n", b.pipelineMS[len(b.pipelineMS)/2])
	}
	if b.lb != nil {
		fmt.Fprintf(w, "peak RSS of the bench (balancer + simulated students): %.0f MB\n", procstat.MB("VmHWM"))
		fmt.Fprintf(w, "balancer: %d requests sent on past a dead instance, %d cut off by it (502); students retried %d\n",
			b.lb.failovers.Load(), b.lb.cut.Load(), b.retry.Load())
		if b.kill != nil && !b.kill.at.IsZero() {
			fmt.Fprintf(w, "instance %s SIGKILLed %.1f s after the first upload stored\n", b.kill.victim.addr, b.kill.at.Sub(b.firstUp).Seconds())
		}
	} else {
		fmt.Fprintf(w, "peak RSS of this process (server + simulated students): %.0f MB\n", procstat.MB("VmHWM"))
		fmt.Fprintf(w, "database pool: %d waits for a connection, %.1f s waited in all, %d connections closed as idle beyond the pool's idle slots\n", b.poolWaits, b.poolWaited.Seconds(), b.poolClosed)
		if r := b.readers; r != nil {
			fmt.Fprintf(w, "  SQLite's read-only connections: %d waits, %.1f s waited in all\n", r.WaitCount, r.WaitDuration.Seconds())
		}
	}
	for _, e := range b.errs[:min(10, len(b.errs))] {
		fmt.Fprintln(w, "  error: "+e)
	}
	fmt.Fprintf(w, "sent %d uploads: lost %d, duplicated %d, errors %d\n", len(b.acked), b.lost, b.duplicated, len(b.errs))
}
