// Package job runs Zhipai's background work on River, in the same
// database as the data (SQLite or PostgreSQL), so a job is inserted in the
// transaction that creates its work and no upload is ever queued without
// its row or stored without its job. Job arguments carry ids, never
// images; workers are thin and call the service.
package job

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"zhipai/internal/store"
)

// QueuePhotos is the queue of photo standardization.
const QueuePhotos = "photos"

// StandardizeArgs asks for an upload to be standardized.
type StandardizeArgs struct {
	UploadID int64 `json:"upload_id"`
}

// Kind names the job.
func (StandardizeArgs) Kind() string { return "standardize_photo" }

// InsertOpts puts the job on the photo queue. Five attempts: a photo that
// fails five times (the process killed each time) is left for an operator.
func (StandardizeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePhotos, MaxAttempts: 5}
}

// Processor does the work (the service).
type Processor interface {
	ProcessUpload(ctx context.Context, uploadID int64) error
	// GiveUpUpload marks an upload failed after its last attempt, so the
	// student is told instead of waiting for ever.
	GiveUpUpload(ctx context.Context, uploadID int64, cause error) error
}

type standardizeWorker struct {
	river.WorkerDefaults[StandardizeArgs]
	p       Processor
	timeout time.Duration
}

func (w *standardizeWorker) Work(ctx context.Context, j *river.Job[StandardizeArgs]) error {
	return orGiveUp(ctx, j.JobRow, w.p.ProcessUpload(ctx, j.Args.UploadID), func(ctx context.Context, err error) error {
		return w.p.GiveUpUpload(ctx, j.Args.UploadID, err)
	})
}

// orGiveUp returns the error of a job's run; when that was its last
// attempt, giveUp first records the failure for the person waiting.
func orGiveUp(ctx context.Context, j *rivertype.JobRow, err error, giveUp func(context.Context, error) error) error {
	if err != nil && j.Attempt >= j.MaxAttempts {
		if gerr := giveUp(context.WithoutCancel(ctx), err); gerr != nil {
			return errors.Join(err, gerr)
		}
	}
	return err
}

func (w *standardizeWorker) Timeout(*river.Job[StandardizeArgs]) time.Duration { return w.timeout }

// QueueCards is the queue of ID-card photo checks: apart from the
// photos, so that a student waiting for their card's answer is not queued
// behind every portrait (the engine also runs them first).
const QueueCards = "cards"

// CardCheckArgs asks for an ID-card photo to be checked.
type CardCheckArgs struct {
	CheckID int64 `json:"check_id"`
}

// Kind names the job.
func (CardCheckArgs) Kind() string { return "check_id_image" }

// InsertOpts puts the job on the card queue; three attempts, then the
// student is asked to upload again.
func (CardCheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCards, MaxAttempts: 3}
}

// CardChecker does the work of card checks (the enrolment service).
type CardChecker interface {
	RunCardCheck(ctx context.Context, checkID int64) error
	// GiveUpCardCheck marks a check failed after its last attempt.
	GiveUpCardCheck(ctx context.Context, checkID int64, cause error) error
}

type cardWorker struct {
	river.WorkerDefaults[CardCheckArgs]
	c       CardChecker
	timeout time.Duration
}

func (w *cardWorker) Work(ctx context.Context, j *river.Job[CardCheckArgs]) error {
	if w.c == nil {
		return errors.New("job: no card checker")
	}
	return orGiveUp(ctx, j.JobRow, w.c.RunCardCheck(ctx, j.Args.CheckID), func(ctx context.Context, err error) error {
		return w.c.GiveUpCardCheck(ctx, j.Args.CheckID, err)
	})
}

func (w *cardWorker) Timeout(*river.Job[CardCheckArgs]) time.Duration { return w.timeout }

// QueueExports runs exports, one at a time: they are long and read every
// approved photo of a campaign.
const QueueExports = "exports"

// ExportArgs is the job of building an export's ZIP.
type ExportArgs struct {
	ExportID int64 `json:"export_id"`
}

// Kind names the job.
func (ExportArgs) Kind() string { return "export_photos" }

// InsertOpts puts it on its queue; a failed export is retried twice.
func (ExportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueExports, MaxAttempts: 3}
}

// Exporter builds exports.
type Exporter interface {
	RunExport(ctx context.Context, exportID int64) error
}

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	e Exporter
}

func (w *exportWorker) Work(ctx context.Context, j *river.Job[ExportArgs]) error {
	if w.e == nil {
		return errors.New("job: no exporter")
	}
	return w.e.RunExport(ctx, j.Args.ExportID)
}

// Timeout: 5,000 photos stream in well under a minute; an hour is stuck.
func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return time.Hour }

// QueueNotify sends notices.
const QueueNotify = "notify"

// DeliverArgs is one delivery of a notice.
type DeliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "deliver_notice" }

// InsertOpts: six attempts, River's backoff spreading them over about an
// hour and a half, so that a provider's outage of minutes loses nothing.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueNotify, MaxAttempts: 6}
}

// ClosingArgs is the hourly sweep for campaigns about to close.
type ClosingArgs struct{}

// Kind names the job.
func (ClosingArgs) Kind() string { return "closing_reminders" }

// InsertOpts: one at a time (the notices deduplicate anyway).
func (ClosingArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueNotify, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

// Notifier delivers notices.
type Notifier interface {
	Deliver(ctx context.Context, deliveryID int64, last bool) error
	SendClosingReminders(ctx context.Context) (int, error)
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	n Notifier
}

func (w *deliverWorker) Work(ctx context.Context, j *river.Job[DeliverArgs]) error {
	if w.n == nil {
		return errors.New("job: no notifier")
	}
	return w.n.Deliver(ctx, j.Args.DeliveryID, j.Attempt >= j.MaxAttempts)
}

func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration { return 30 * time.Second }

type closingWorker struct {
	river.WorkerDefaults[ClosingArgs]
	n Notifier
}

func (w *closingWorker) Work(ctx context.Context, j *river.Job[ClosingArgs]) error {
	if w.n == nil {
		return errors.New("job: no notifier")
	}
	_, err := w.n.SendClosingReminders(ctx)
	return err
}

// Config tunes the queue.
type Config struct {
	// Workers is how many photo jobs run at once (the service bounds the
	// CPU work itself; this only bounds what is fetched).
	Workers int
	// PollInterval is how often idle workers look for jobs: neither
	// database/sql driver has LISTEN, so this is the latency floor.
	PollInterval time.Duration
	// JobTimeout cancels a job running longer; RescueAfter retries a job
	// whose process died (it must exceed JobTimeout).
	JobTimeout, RescueAfter time.Duration
	Log                     *slog.Logger
}

// DefaultConfig: a photo takes well under a second, so a job running for
// a minute is stuck, and one left "running" for two by a dead process is
// picked up again.
func DefaultConfig(workers int) Config {
	return Config{Workers: workers, PollInterval: 200 * time.Millisecond, JobTimeout: time.Minute, RescueAfter: 2 * time.Minute}
}

// Queue is the River client.
type Queue struct {
	client  *river.Client[*sql.Tx]
	worker  *standardizeWorker
	export  *exportWorker
	deliver *deliverWorker
	closing *closingWorker
	cards   *cardWorker
}

func driverOf(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect() == store.Postgres {
		return riverdatabasesql.New(st.DB())
	}
	return riversqlite.New(st.DB())
}

// Migrate brings River's tables up to date.
func Migrate(ctx context.Context, st *store.Store) error {
	m, err := rivermigrate.New(driverOf(st), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("job: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job: migrate: %w", err)
	}
	return nil
}

// New builds the queue; Start begins working it.
func New(st *store.Store, cfg Config) (*Queue, error) {
	if cfg.Workers < 1 {
		return nil, errors.New("job: at least one worker")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	w := &standardizeWorker{timeout: cfg.JobTimeout}
	ew := &exportWorker{}
	dw, cw := &deliverWorker{}, &closingWorker{}
	kw := &cardWorker{timeout: cfg.JobTimeout}
	workers := river.NewWorkers()
	river.AddWorker(workers, kw)
	river.AddWorker(workers, w)
	river.AddWorker(workers, ew)
	river.AddWorker(workers, dw)
	river.AddWorker(workers, cw)
	client, err := river.NewClient(driverOf(st), &river.Config{
		Queues: map[string]river.QueueConfig{QueuePhotos: {MaxWorkers: cfg.Workers}, QueueCards: {MaxWorkers: cfg.Workers}, QueueExports: {MaxWorkers: 1}, QueueNotify: {MaxWorkers: 4}},
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return ClosingArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
		Workers:              workers,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		Logger:               cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("job: client: %w", err)
	}
	return &Queue{client: client, worker: w, export: ew, deliver: dw, closing: cw, cards: kw}, nil
}

// EnqueueStandardize inserts the job in the caller's transaction.
func (q *Queue) EnqueueStandardize(ctx context.Context, tx *store.Tx, uploadID int64) error {
	if _, err := q.client.InsertTx(ctx, tx.SQL(), StandardizeArgs{UploadID: uploadID}, nil); err != nil {
		return fmt.Errorf("job: enqueue upload %d: %w", uploadID, err)
	}
	return nil
}

// EnqueueCardCheck inserts a card check's job in the caller's transaction.
func (q *Queue) EnqueueCardCheck(ctx context.Context, tx *store.Tx, checkID int64) error {
	if _, err := q.client.InsertTx(ctx, tx.SQL(), CardCheckArgs{CheckID: checkID}, nil); err != nil {
		return fmt.Errorf("job: enqueue card check %d: %w", checkID, err)
	}
	return nil
}

// EnqueueExport inserts an export's job.
func (q *Queue) EnqueueExport(ctx context.Context, exportID int64) error {
	if _, err := q.client.Insert(ctx, ExportArgs{ExportID: exportID}, nil); err != nil {
		return fmt.Errorf("job: enqueue export %d: %w", exportID, err)
	}
	return nil
}

// EnqueueDeliveries inserts the deliveries of a notice in the caller's
// transaction, to run at the time given (an approval waits out its undo
// window).
func (q *Queue) EnqueueDeliveries(ctx context.Context, tx *store.Tx, ids []int64, at time.Time) error {
	for _, id := range ids {
		if _, err := q.client.InsertTx(ctx, tx.SQL(), DeliverArgs{DeliveryID: id}, &river.InsertOpts{ScheduledAt: at}); err != nil {
			return fmt.Errorf("job: enqueue delivery %d: %w", id, err)
		}
	}
	return nil
}

// Start works the queue with p (photos), c (card checks), e (exports)
// and n (notices) until Stop.
func (q *Queue) Start(ctx context.Context, p Processor, c CardChecker, e Exporter, n Notifier) error {
	q.worker.p, q.cards.c, q.export.e = p, c, e
	q.deliver.n, q.closing.n = n, n
	return q.client.Start(ctx)
}

// Stop lets running jobs finish (until ctx ends, then cancels them; a
// cancelled job is retried by the next process).
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if ctx.Err() != nil {
		return q.client.StopAndCancel(context.Background())
	}
	return err
}

// JobObserver is told of every job that ends a run: its kind, how it
// ended (completed, failed, cancelled, snoozed), how long it waited and
// ran.
type JobObserver interface {
	Job(kind, outcome string, wait, run time.Duration)
}

// Observe feeds o the queue's job events until ctx ends (the metrics).
// River drops events a slow observer cannot take, never jobs.
func (q *Queue) Observe(ctx context.Context, o JobObserver) {
	events, cancel := q.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-events:
				if !ok {
					return
				}
				if e.Job == nil || e.JobStats == nil {
					continue
				}
				o.Job(e.Job.Kind, string(e.Kind), e.JobStats.QueueWaitDuration, e.JobStats.RunDuration)
			}
		}
	}()
}
