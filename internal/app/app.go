package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"zhipai/internal/audit"
	"zhipai/internal/auth"
	"zhipai/internal/blob"
	"zhipai/internal/capture"
	"zhipai/internal/config"
	"zhipai/internal/engine"
	"zhipai/internal/enrol"
	"zhipai/internal/job"
	"zhipai/internal/manage"
	"zhipai/internal/notify"
	"zhipai/internal/ratelimit"
	"zhipai/internal/review"
	"zhipai/internal/roster"
	"zhipai/internal/secret"
	"zhipai/internal/sms"
	"zhipai/internal/staff"
	"zhipai/internal/store"
	"zhipai/internal/ticket"
	"zhipai/internal/web/api"
	"zhipai/internal/wechat"
)

// App is the whole of Zhipai but its web server: store, queue, blobs,
// photo engine and the use cases over them.
type App struct {
	Config  config.Config
	Store   *store.Store
	Queue   *job.Queue
	Engine  *engine.Engine
	Limiter *ratelimit.Limiter
	Log     *slog.Logger
	Keys    *secret.Keys
	Blobs   blob.Movable

	Audit  *audit.Log
	Staff  *staff.Service
	Manage *manage.Service

	Auth    *auth.Service
	Enrol   *enrol.Service
	Roster  *roster.Service
	Capture *capture.Service
	Review  *review.Service
	Notify  *notify.Service
	Ticket  *ticket.Service

	stopListen context.CancelFunc
}

// Open builds everything from the configuration and migrates the
// database (forward only; an older binary refuses a newer schema). tune
// adjusts the queue (tests shorten its timers).
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, tune ...func(*job.Config)) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{Config: cfg, Log: log}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if err := secureDataDir(cfg.DataDir, cfg.DatabaseURL, log); err != nil {
		return nil, err
	}
	keys, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	if a.Store, err = store.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if err := Migrate(ctx, a.Store); err != nil {
		return nil, err
	}
	blobURL := cfg.BlobURL
	if blobURL == "" {
		blobURL = filepath.Join(cfg.DataDir, "blobs")
	}
	blobs, err := blob.Open(ctx, blobURL, cfg.S3AccessKey, cfg.S3SecretKey, keys)
	if err != nil {
		return nil, err
	}
	a.Blobs = blobs
	if a.Engine, err = engine.Open(engine.Config{LibraryPath: cfg.ONNXRuntimeLib, TessdataDir: cfg.TessdataDir, Slots: cfg.PhotoWorkers, Memory: cfg.PhotoMemory()}); err != nil {
		return nil, err
	}
	engine.ReserveProcs(cfg.PhotoWorkers)
	// River fetches twice as many jobs as there are cores, so a job is
	// always waiting when one finishes; the service's CPU semaphore keeps
	// the photo work itself to one per core.
	jc := job.DefaultConfig(2 * cfg.PhotoWorkers)
	jc.Log = log.With("component", "river")
	if cfg.JobRescueAfter > 0 {
		// A job running longer than half the rescue time is stuck: cut
		// it off, so that a rescued job is never still running elsewhere.
		jc.RescueAfter, jc.JobTimeout = cfg.JobRescueAfter, min(jc.JobTimeout, cfg.JobRescueAfter/2)
	}
	for _, f := range tune {
		f(&jc)
	}
	if a.Queue, err = job.New(a.Store, jc); err != nil {
		return nil, err
	}
	a.Keys = keys
	a.Limiter = ratelimit.New(a.Store, nil)
	ad := auth.Deps{Store: a.Store, Keys: keys, Limiter: a.Limiter, Log: log}
	var smsHTTP *sms.HTTP
	switch cfg.SMS.Provider {
	case "http":
		if smsHTTP, err = sms.NewHTTP(sms.HTTPConfig{URL: cfg.SMS.URL, Key: cfg.SMS.Key, Template: cfg.SMS.Template, Sign: cfg.SMS.Sign}); err != nil {
			return nil, err
		}
		ad.SMS = smsHTTP
	case "console":
		ad.SMS = sms.Console{Log: log}
	}
	if cfg.WeChat.AppID != "" {
		if ad.WeChat, err = wechat.New(wechat.Config{AppID: cfg.WeChat.AppID, Secret: cfg.WeChat.Secret, BaseURL: cfg.WeChat.BaseURL}); err != nil {
			return nil, err
		}
	}
	senders, err := notifySenders(cfg.Notify, smsHTTP, ad.WeChat)
	if err != nil {
		return nil, err
	}
	nc := notify.DefaultConfig()
	nc.ApprovalDelay = cfg.UndoWindow
	a.Notify = notify.New(nc, notify.Deps{Store: a.Store, Keys: keys, Limiter: a.Limiter, Queue: a.Queue, Senders: senders, Log: log})
	a.Store.SetTransitionHook(a.Notify.Hook)
	ac := auth.DefaultConfig()
	ac.SessionTTL = cfg.SessionTTL
	a.Auth = auth.New(ac, ad)
	a.Enrol = enrol.New(enrol.Config{MaxUploadBytes: maxPhotoBytes, VendorPhone: cfg.VendorPhone, VendorHours: cfg.VendorHours},
		enrol.Deps{Store: a.Store, Blob: blobs, Keys: keys, Engine: a.Engine, Limiter: a.Limiter, Audit: audit.New(a.Store), Queue: a.Queue, Log: log})
	a.Roster = roster.New(roster.Deps{Store: a.Store, Keys: keys, Log: log})
	a.Capture = capture.New(capture.Config{QueueLimit: cfg.QueueLimit, MaxUploadBytes: maxPhotoBytes, PhotoWorkers: cfg.PhotoWorkers},
		capture.Deps{Store: a.Store, Blob: blobs, Engine: a.Engine, Queue: a.Queue, Enrol: a.Enrol, Limiter: a.Limiter, Log: log})
	a.Audit = audit.New(a.Store)
	rc := review.DefaultConfig()
	rc.UndoWindow = cfg.UndoWindow
	a.Review = review.New(rc, a.Store, blobs, a.Audit, log)
	a.Review.SetPortraits(a.Engine)
	a.Staff = staff.New(staff.DefaultConfig(), a.Store, keys, a.Audit, log)
	a.Manage = manage.New(a.Store, a.Roster, a.Audit, a.Staff, keys, blobs)
	a.Manage.SetExports(filepath.Join(cfg.DataDir, "exports"), a.Queue)
	a.Manage.SetReminder(a.Notify)
	a.Manage.SetRenderer(a.Engine)
	a.Ticket = ticket.New(ticket.DefaultConfig(), a.Store, blobs, a.Audit, a.Notify, log)
	a.Ticket.SetLimiter(a.Limiter)
	// Another instance's finished photo or card check ends a wait here at once.
	lctx, stop := context.WithCancel(context.Background())
	a.stopListen = stop
	go a.Store.Listen(lctx, store.Announcements{Upload: a.Capture.Finished, CardCheck: a.Enrol.CardCheckFinished})
	ok = true
	return a, nil
}

// notifySenders are the channels notices go out by besides the inbox.
func notifySenders(cfg config.Notify, smsHTTP *sms.HTTP, wx *wechat.Client) ([]notify.Sender, error) {
	var out []notify.Sender
	if cfg.SMSTemplates != "" {
		t, err := notify.ParseTemplates(cfg.SMSTemplates)
		if err != nil {
			return nil, fmt.Errorf("app: ZHIPAI_NOTIFY_SMS_TEMPLATES: %w", err)
		}
		out = append(out, notify.SMS{Client: smsHTTP, Templates: t})
	}
	if cfg.WeChatTemplates != "" {
		t, err := notify.ParseTemplates(cfg.WeChatTemplates)
		if err != nil {
			return nil, fmt.Errorf("app: ZHIPAI_NOTIFY_WECHAT_TEMPLATES: %w", err)
		}
		fields, err := notify.ParseFields(cfg.WeChatFields)
		if err != nil {
			return nil, fmt.Errorf("app: ZHIPAI_NOTIFY_WECHAT_FIELDS: %w", err)
		}
		out = append(out, notify.WeChat{Sub: wechat.NewSubscriber(wx), Templates: t, Fields: fields, Page: cfg.WeChatPage})
	}
	return out, nil
}

// Migrate applies Zhipai's and River's migrations.
func Migrate(ctx context.Context, st *store.Store) error {
	applied, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied > latest {
		return fmt.Errorf("app: the database schema (version %d) is newer than this binary knows (%d): upgrade Zhipai", applied, latest)
	}
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	return job.Migrate(ctx, st)
}

// LoadKeys is the installation's keys, as the server loads them (for
// commands that touch sealed data without the database).
func LoadKeys(cfg config.Config) (*secret.Keys, error) { return loadKeys(cfg) }

// loadKeys takes the master key from the configuration, or, for the
// embedded default, from a key file beside the data, made on first run.
func loadKeys(cfg config.Config) (*secret.Keys, error) {
	var master []byte
	var err error
	switch {
	case cfg.SecretKey != "":
		master, err = secret.ParseKey(cfg.SecretKey)
	case cfg.Postgres():
		err = errors.New("app: PostgreSQL needs ZHIPAI_SECRET_KEY")
	default:
		master, err = secret.LoadOrCreateKeyFile(cfg.SecretKeyFile, true)
	}
	if err != nil {
		return nil, err
	}
	return secret.New(master)
}

// Start runs the background workers.
func (a *App) Start(ctx context.Context) error {
	return a.Queue.Start(ctx, a.Capture, a.Enrol, a.Manage, a.Notify)
}

// SetClock replaces the clock of every use case and of the store (tests).
func (a *App) SetClock(now func() time.Time) {
	a.Store.SetClock(now)
	a.Limiter.SetClock(now)
	a.Auth.SetClock(now)
	a.Enrol.SetClock(now)
	a.Capture.SetClock(now)
	a.Review.SetClock(now)
	a.Staff.SetClock(now)
	a.Notify.SetClock(now)
	a.Ticket.SetClock(now)
}

// maxPhotoBytes bounds a photo or document image (30 MB).
const maxPhotoBytes = 30 << 20

// Close stops the workers and releases everything.
func (a *App) Close() error {
	if a.stopListen != nil {
		a.stopListen()
	}
	var errs []error
	if a.Queue != nil {
		errs = append(errs, a.Queue.Stop(context.Background()))
	}
	if a.Engine != nil {
		errs = append(errs, a.Engine.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}

// Services are the use cases the JSON API serves.
func (a *App) Services() api.Services {
	return api.Services{Auth: a.Auth, Enrol: a.Enrol, Capture: a.Capture, Staff: a.Staff, Manage: a.Manage, Review: a.Review, Notify: a.Notify, Ticket: a.Ticket}
}
