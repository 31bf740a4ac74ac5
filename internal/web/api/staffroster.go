package api

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/roster"
	"zhipai/internal/staff"
)

// maxRosterBytes bounds a roster file (20,000 rows of XLSX are about 1 MB).
const maxRosterBytes = 20 << 20

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (a staffRoutes) rosterTemplate(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	b, err := manage.Template()
	if err != nil {
		return domain.Internal("template: %w", err)
	}
	sendFile(w, xlsxType, "名单模板.xlsx", b)
	return nil
}

// roster takes a roster file as the body (XLSX or CSV, told by its
// Content-Type or ?name=), previews it with ?dry_run=1, imports it
// otherwise; with ?format=xlsx the answer is the row errors as XLSX.
// ?columns= is a JSON object mapping the file's headers to roster fields.
// With ?progress=1 the answer streams NDJSON: {"done","total"} lines as
// the rows are checked and written, then {"report"} or {"error"}.
func (a staffRoutes) roster(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRosterBytes))
	if err != nil {
		return errorOf(domain.CodeRequestTooLarge, err)
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		name = map[string]string{xlsxType: "roster.xlsx", "text/csv": "roster.csv"}[mt]
	}
	q := r.URL.Query()
	var opt roster.Options
	if m := q.Get("columns"); m != "" {
		if err := json.Unmarshal([]byte(m), &opt.Columns); err != nil {
			return errorOf(domain.CodeRequest, err)
		}
	}
	if q.Get("progress") == "1" && q.Get("format") != "xlsx" {
		return a.rosterStream(w, r, s, id, name, data, q.Get("dry_run") == "1", opt)
	}
	rep, err := a.manage.Roster(r.Context(), s, id, name, data, q.Get("dry_run") == "1", opt, a.where(r))
	if err != nil {
		return err
	}
	if q.Get("format") == "xlsx" {
		b, err := manage.ErrorsXLSX(rep)
		if err != nil {
			return domain.Internal("errors xlsx: %w", err)
		}
		sendFile(w, xlsxType, "名单错误.xlsx", b)
		return nil
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// rosterStream runs an import answering NDJSON progress lines, then the
// report or the error (the status is 200 once the stream has begun).
func (a staffRoutes) rosterStream(w http.ResponseWriter, r *http.Request, s staff.Staff, id int64, name string, data []byte, dryRun bool, opt roster.Options) error {
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	last := time.Time{}
	opt.Progress = func(done, total int) {
		if time.Since(last) < 100*time.Millisecond && done < total {
			return
		}
		last = time.Now()
		enc.Encode(map[string]int{"done": done, "total": total})
		flush()
	}
	rep, err := a.manage.Roster(r.Context(), s, id, name, data, dryRun, opt, a.where(r))
	if err != nil {
		pub := domain.Public(err)
		if pub.Code == domain.CodeInternal {
			a.log.ErrorContext(r.Context(), "roster import", "error", err)
		}
		enc.Encode(map[string]any{"error": map[string]string{"code": pub.Code, "message": pub.Message}})
		return nil
	}
	enc.Encode(map[string]any{"report": rep})
	return nil
}

func sendFile(w http.ResponseWriter, ctype, name string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func (a staffRoutes) createCampaign(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var in manage.CampaignInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := a.manage.CreateCampaign(r.Context(), s, in, a.where(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (a staffRoutes) audit(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	q := r.URL.Query()
	tenant, _ := strconv.ParseInt(q.Get("school_id"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	rows, err := a.manage.Audit(r.Context(), s, tenant, before, q.Get("action"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rows)
	return nil
}
