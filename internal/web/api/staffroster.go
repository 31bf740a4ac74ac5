package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"zhipai/internal/domain"
	"zhipai/internal/manage"
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
	rep, err := a.manage.Roster(r.Context(), s, id, name, data, q.Get("dry_run") == "1", a.where(r))
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
