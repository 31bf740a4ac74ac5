package manage_test

import (
	"context"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/procstat"
	"zhipai/internal/review"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// bulkSubmissions gives n roster students of the campaign (after the
// first, standardized by the pipeline) a matched enrolment and a waiting
// submission of that same photo, in set-based SQL: a third flagged R09,
// and a spread of submission times over two weeks.
func bulkSubmissions(b *testing.B, env *apptest.Env, n int) { bulkSubmissionsT(b, env, n) }

func bulkSubmissionsT(b testing.TB, env *apptest.Env, n int) {
	ctx := context.Background()
	apptest.Must(env.App.Roster.Import(ctx, env.Demo.CampaignID, roster50k(n)))(b)
	ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 1, 0))(b)
	sub := apptest.Must(env.App.Store.Submission(ctx, ids[0]))(b)
	up := apptest.Must(env.App.Store.Upload(ctx, sub.UploadID))(b)
	db, cid, now := env.App.Store.DB(), env.Demo.CampaignID, time.Now().UnixMilli()
	q := func(query string, args ...any) {
		if env.App.Store.Dialect() == store.Postgres {
			for i := 1; i <= len(args); i++ {
				query = strings.Replace(query, "?", "$"+strconv.Itoa(i), 1)
			}
		}
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			b.Fatalf("%v: %s", err, query)
		}
	}
	q(`INSERT INTO users (phone_index, created_at) SELECT 'bench' || r.id, ? FROM roster_rows r WHERE r.campaign_id = ? AND r.bound_user_id IS NULL`, now, cid)
	q(`INSERT INTO enrolments (user_id, campaign_id, name, doc_type, doc_index, doc_enc, doc_masked, roster_row_id, confirmed_at, created_at)
		SELECT u.id, r.campaign_id, r.name, r.doc_type, r.doc_index, r.doc_enc, r.doc_masked, r.id, ?, ? FROM roster_rows r JOIN users u ON u.phone_index = 'bench' || r.id
		WHERE r.campaign_id = ?`, now, now, cid)
	q(`UPDATE roster_rows SET bound_user_id = (SELECT user_id FROM enrolments e WHERE e.roster_row_id = roster_rows.id) WHERE campaign_id = ? AND bound_user_id IS NULL`, cid)
	q(`INSERT INTO uploads (enrolment_id, user_id, idempotency_key, status, original_blob, result_blob, preview_blob, sha256, report_json, created_at, updated_at)
		SELECT e.id, e.user_id, 'bench', 'done', ?, ?, ?, 'bench' || e.id, ?, ?, ? FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.phone_index LIKE 'bench%'`,
		up.OriginalBlob, up.ResultBlob, up.PreviewBlob, up.ReportJSON, now, now)
	q(`INSERT INTO submissions (enrolment_id, upload_id, state, findings, due_at, created_at, updated_at, campaign_id, school_id, college, class_name)
		SELECT u.enrolment_id, u.id, 'pending', CASE WHEN u.id % 3 = 0 THEN 'R09' ELSE '' END, ? + (u.id % 14) * 86400000, ? - (u.id % 14) * 86400000, ?,
			e.campaign_id, c.school_id, r.college, r.class_name
		FROM uploads u JOIN enrolments e ON e.id = u.enrolment_id JOIN campaigns c ON c.id = e.campaign_id JOIN roster_rows r ON r.id = e.roster_row_id
		WHERE u.idempotency_key = 'bench'`, now, now, now)
	q(`UPDATE enrolments SET sub_state = 'pending' WHERE id IN (SELECT enrolment_id FROM submissions)`)
	q(`ANALYZE`)
}

func reviewer(env *apptest.Env, id int64) staff.Staff {
	return staff.Staff{User: domain.StaffUser{ID: id, Login: "bench", Role: domain.RoleSchoolReviewer, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
}

// BenchmarkReview50000: with 50,000 submissions waiting, a filtered page
// of the queue (the target: 100 ms), progress for the 50,000 students
// (200 ms), and a reviewer's decision round trip, next then decide (50 ms
// at the 95th percentile, reported as ms-p95). On both engines.
func BenchmarkReview50000(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.New(b, d, apptest.Options{NoWorkers: true})
			bulkSubmissions(b, env, 50000)
			who := reviewer(env, 7)
			admin := staff.Staff{User: domain.StaffUser{ID: 1, Role: domain.RoleSchoolAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
			for _, c := range []struct {
				name string
				f    domain.QueueFilter
			}{
				{"queue-all", domain.QueueFilter{CampaignID: env.Demo.CampaignID}},
				{"queue-college-class", domain.QueueFilter{CampaignID: env.Demo.CampaignID, College: "第3学院", Class: "第3学院 7 班"}},
				{"queue-flagged-R09", domain.QueueFilter{CampaignID: env.Demo.CampaignID, Findings: "R09"}},
				{"queue-clean-older-3d", domain.QueueFilter{CampaignID: env.Demo.CampaignID, Findings: "none", OlderThan: 72 * time.Hour}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						p, err := env.App.Review.Queue(b.Context(), who, c.f)
						if err != nil || len(p.Items) == 0 {
							b.Fatalf("%v %d", err, len(p.Items))
						}
					}
				})
			}
			b.Run("progress", func(b *testing.B) {
				for b.Loop() {
					v, err := env.App.Manage.Progress(b.Context(), admin, env.Demo.CampaignID)
					if err != nil || v.All.Total < 50000 {
						b.Fatalf("%v %d", err, v.All.Total)
					}
				}
			})
			b.Run("decision", func(b *testing.B) {
				var times []time.Duration
				f := domain.QueueFilter{CampaignID: env.Demo.CampaignID}
				for b.Loop() {
					start := time.Now()
					v, found, err := env.App.Review.Next(b.Context(), who, f, staff.Where{IP: "bench"})
					if err != nil || !found {
						b.Fatalf("next: %v %v", err, found)
					}
					if _, err := env.App.Review.DecideAs(b.Context(), who, v.ID, review.Decision{Approve: true}, staff.Where{IP: "bench"}); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "ms-p95")
			})
		})
	}
}

// BenchmarkExport5000: 5,000 approved photos stream into a ZIP (to
// io.Discard: the writer is the file or the response); reports the peak
// RSS growth of the process while exporting as MB-rss (the target: under
// 100 MB) and the time per export.
func BenchmarkExport5000(b *testing.B) {
	env := apptest.New(b, store.SQLite, apptest.Options{NoWorkers: true})
	bulkSubmissions(b, env, 5000)
	for _, q := range []string{`UPDATE submissions SET state = 'approved', decided_at = created_at`, `UPDATE enrolments SET sub_state = 'approved' WHERE sub_state <> ''`} {
		if _, err := env.App.Store.DB().ExecContext(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	admin := staff.Staff{User: domain.StaffUser{ID: 1, Role: domain.RoleSchoolAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
	var peak float64
	for b.Loop() {
		runtime.GC()
		before := procstat.MB("VmRSS")
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
					if g := procstat.MB("VmRSS") - before; g > peak {
						peak = g
					}
				}
			}
		}()
		res, err := env.App.Manage.WriteExport(b.Context(), admin, manage.ExportParams{CampaignID: env.Demo.CampaignID, Name: "{学号}.jpg", Folders: true}, io.Discard, staff.Where{IP: "bench"})
		close(done)
		if err != nil || res.Files < 5000 {
			b.Fatalf("%v: %d files", err, res.Files)
		}
	}
	b.ReportMetric(peak, "MB-rss")
}
