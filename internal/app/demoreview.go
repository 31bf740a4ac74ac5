package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/store"
	"zhipai/testdata"
)

// SeedSubmissions gives the first n students of a campaign's roster who
// have not signed in an account, an enrolment matched to their row, a
// photo standardized by the real pipeline from a public-domain portrait,
// and a submission waiting for review; then it approves the first
// approved of them through the command line's review path. The portraits
// (by default the public-domain astronaut) are taken in turn, each
// processed once and its result shared, so a few hundred students take
// seconds. It returns the new submissions' ids.
func SeedSubmissions(ctx context.Context, a *App, campaignID int64, n, approved int, portraits ...[]byte) ([]int64, error) {
	if len(portraits) == 0 {
		portraits = [][]byte{testdata.AstronautWebP}
	}
	c, err := a.Store.Campaign(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("demo submissions: %w", err)
	}
	students, _, err := a.Store.StudentsIn(ctx, domain.Scope{SchoolID: c.SchoolID}, campaignID, domain.StudentFilter{Limit: 200})
	if err != nil {
		return nil, err
	}
	var outcomes []store.Outcome
	var ids []int64
	for after := int64(0); len(ids) < n; {
		if len(students) == 0 {
			break
		}
		for _, st := range students {
			after = st.ID
			if len(ids) >= n || st.Enrolled || st.BoundUserID != 0 {
				continue
			}
			id, err := seedSubmission(ctx, a, c, st, portraits, &outcomes, len(ids))
			if err != nil {
				return ids, fmt.Errorf("demo submission for roster row %d: %w", st.ID, err)
			}
			ids = append(ids, id)
		}
		if students, _, err = a.Store.StudentsIn(ctx, domain.Scope{SchoolID: c.SchoolID}, campaignID, domain.StudentFilter{After: after, Limit: 200}); err != nil {
			return ids, err
		}
	}
	for _, id := range ids[:min(approved, len(ids))] {
		if _, err := a.Review.Decide(ctx, id, domain.StateApproved, nil, "", "reviewer:demo"); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

func seedSubmission(ctx context.Context, a *App, c domain.Campaign, st domain.Student, portraits [][]byte, outcomes *[]store.Outcome, i int) (int64, error) {
	phone := fmt.Sprintf("139%08d", 10000000+st.ID)
	u, err := a.Store.UserByPhone(ctx, a.Keys.Index(domain.IndexPhone, phone), a.Keys.SealField(phone, domain.IndexPhone))
	if err != nil {
		return 0, err
	}
	e, err := a.Store.Enrol(ctx, u.ID, c.ID)
	if err != nil {
		return 0, err
	}
	if err := a.Store.SetIdentity(ctx, e.ID, st.Name, st.DocType, st.DocIndex, st.DocEnc, st.DocMasked); err != nil {
		return 0, err
	}
	if err := a.Store.MatchRoster(ctx, e.ID, u.ID, st.ID); err != nil {
		return 0, err
	}
	if err := a.Store.ConfirmEnrolment(ctx, e.ID); err != nil {
		return 0, err
	}
	which := i % len(portraits)
	original, err := blob.PutBytes(ctx, a.Capture.Blob, "original", portraits[which])
	if err != nil {
		return 0, err
	}
	up := domain.Upload{EnrolmentID: e.ID, UserID: u.ID, IdempotencyKey: "demo-" + strconv.FormatInt(st.ID, 10), OriginalBlob: original, SHA256: fmt.Sprintf("demo-%d", st.ID)}
	var uid int64
	if err := a.Store.InTx(ctx, func(tx *store.Tx) (err error) { uid, err = a.Store.InsertUpload(ctx, tx, up); return }); err != nil {
		return 0, err
	}
	if which < len(*outcomes) {
		if err := a.Store.FinishUpload(ctx, uid, (*outcomes)[which]); err != nil {
			return 0, err
		}
	} else {
		if err := a.Capture.ProcessUpload(ctx, uid); err != nil { // the real pipeline, once per portrait
			return 0, err
		}
		done, err := a.Store.Upload(ctx, uid)
		if err != nil {
			return 0, err
		}
		if done.Status != domain.UploadDone || done.Blocking {
			return 0, fmt.Errorf("the demo portrait was not standardized: %s %s", done.Status, done.ErrorCode)
		}
		*outcomes = append(*outcomes, store.Outcome{Status: done.Status, ResultBlob: done.ResultBlob, PreviewBlob: done.PreviewBlob, PHash: done.PHash,
			ReportJSON: done.ReportJSON})
	}
	done, err := a.Store.Upload(ctx, uid)
	if err != nil {
		return 0, err
	}
	var sid int64
	err = a.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		sid, err = a.Store.InsertSubmission(ctx, tx, e.ID, uid, domain.StatePending, capture.Warnings(done.ReportJSON), domain.AddWorkingDays(time.Now(), c.ReviewDays))
		return err
	})
	return sid, err
}

// SeedDemoActivity fills the demo campaign up to students on the roster
// (fictitious ones added after the 30 named), submitted submissions and
// approved of them; what is there already counts, so running it again
// adds nothing.
func SeedDemoActivity(ctx context.Context, a *App, d Demo, students, submitted, approved int, portraits ...[]byte) (subs, appr int, err error) {
	if have, err := a.Store.RosterCount(ctx, d.CampaignID); err != nil {
		return 0, 0, err
	} else if students > have {
		rows := [][]string{{"姓名", "证件号码", "学号", "学院", "专业", "班级"}}
		day := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
		surnames, given := []rune("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"), []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
		for i := have; i < students; i++ {
			first := "110102" + day.AddDate(0, 0, i/900).Format("20060102") + fmt.Sprintf("%03d", 100+i%900)
			cm := demoColleges[i%len(demoColleges)]
			rows = append(rows, []string{string(surnames[i%len(surnames)]) + string(given[(i/len(surnames))%len(given)]) + string(given[(i/7)%len(given)]),
				first + string(idnumber.CheckChar(first)), fmt.Sprintf("2026%04d", i+1), cm.college, cm.major, fmt.Sprintf("%s 2026-%d 班", cm.major, i%2+1)})
		}
		rep, err := a.Roster.Import(ctx, d.CampaignID, rows)
		if err != nil {
			return 0, 0, err
		}
		if !rep.Imported {
			return 0, 0, fmt.Errorf("demo: generated roster rejected: %+v", rep.Errors[:min(3, len(rep.Errors))])
		}
	}
	p, err := a.Store.Progress(ctx, domain.Scope{SchoolID: d.SchoolID}, d.CampaignID)
	if err != nil {
		return 0, 0, err
	}
	var t domain.Tally
	for _, r := range p {
		t.Add(r.Tally)
	}
	have := t.Waiting + t.Rejected + t.Approved
	if submitted > have {
		if _, err := SeedSubmissions(ctx, a, d.CampaignID, submitted-have, 0, portraits...); err != nil {
			return 0, 0, err
		}
	}
	if approved > t.Approved {
		waiting, err := a.Store.ReviewQueue(ctx, domain.Scope{Vendor: true}, domain.QueueFilter{CampaignID: d.CampaignID, Limit: 200})
		if err != nil {
			return 0, 0, err
		}
		for _, it := range waiting[:min(approved-t.Approved, len(waiting))] {
			if _, err := a.Review.Decide(ctx, it.ID, domain.StateApproved, nil, "", "reviewer:demo"); err != nil {
				return 0, 0, err
			}
		}
	}
	p, err = a.Store.Progress(ctx, domain.Scope{SchoolID: d.SchoolID}, d.CampaignID)
	if err != nil {
		return 0, 0, err
	}
	t = domain.Tally{}
	for _, r := range p {
		t.Add(r.Tally)
	}
	return t.Waiting + t.Rejected + t.Approved, t.Approved, nil
}
