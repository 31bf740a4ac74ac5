package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/review"
	"zhipai/internal/staff"
)

// queueFilter reads the queue's filter from the query.
func queueFilter(r *http.Request) domain.QueueFilter {
	q := r.URL.Query()
	campaign, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	hours, _ := strconv.Atoi(q.Get("older_than_hours"))
	var skip []int64
	for _, v := range strings.Split(q.Get("skip"), ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && len(skip) < 200 {
			skip = append(skip, id)
		}
	}
	return domain.QueueFilter{CampaignID: campaign, College: q.Get("college"), Class: q.Get("class"), Findings: strings.ToUpper(q.Get("findings")),
		State: q.Get("state"), Stage: q.Get("stage"), OlderThan: time.Duration(hours) * time.Hour, After: after, Limit: limit, Skip: skip}
}

func (a staffRoutes) queue(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	f := queueFilter(r)
	if f.Findings == "NONE" || f.Findings == "WARN" {
		f.Findings = strings.ToLower(f.Findings)
	}
	p, err := a.review.Queue(r.Context(), s, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a staffRoutes) next(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	f := queueFilter(r)
	if f.Findings == "NONE" || f.Findings == "WARN" {
		f.Findings = strings.ToLower(f.Findings)
	}
	v, found, err := a.review.Next(r.Context(), s, f, a.where(r))
	if err != nil {
		return err
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a staffRoutes) openItem(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withID(w, r, http.StatusOK, func(id int64) (review.ItemView, error) { return a.review.Open(r.Context(), s, id, a.where(r)) })
}

func (a staffRoutes) decide(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withIDBody(w, r, http.StatusOK, func(id int64, d review.Decision) (map[string]string, error) {
		to, err := a.review.DecideAs(r.Context(), s, id, d, a.where(r))
		return map[string]string{"state": string(to), "state_title": to.Title()}, err
	})
}

func (a staffRoutes) skip(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.review.Skip(r.Context(), s, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a staffRoutes) batchApprove(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var req struct {
		IDs []int64 `json:"ids"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	done, err := a.review.BatchApprove(r.Context(), s, req.IDs, a.where(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"approved": done, "undo_until": a.review.UndoUntil()})
	return nil
}

// undo takes back the caller's approvals of the undo window.
func (a staffRoutes) undo(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var req struct {
		IDs []int64 `json:"ids"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	done, err := a.review.Undo(r.Context(), s, req.IDs, a.where(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string][]int64{"undone": done})
	return nil
}

func (a staffRoutes) itemImage(kind string) func(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return func(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		b, err := a.review.Image(r.Context(), s, id, kind, a.where(r))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", http.DetectContentType(b)) // the original is whatever the phone sent
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(b)
		return nil
	}
}

func (a staffRoutes) unlock(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, req struct {
		Reason string `json:"reason"`
	}) error {
		return a.review.Unlock(r.Context(), s, id, req.Reason, a.where(r))
	})
}

// sample settles an approval drawn for a second look.
// sample settles an approval drawn for a second look.
func (a staffRoutes) sample(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, d review.Decision) error { return a.review.Sample(r.Context(), s, id, d, a.where(r)) })
}

// stats is the reviewers' work: throughput and reversal rate.
func (a staffRoutes) stats(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	q := r.URL.Query()
	campaign, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	days, _ := strconv.Atoi(q.Get("days"))
	list, err := a.review.Stats(r.Context(), s, campaign, days)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"reviewers": list})
	return nil
}
