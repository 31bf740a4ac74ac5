package api

import (
	"encoding/base64"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/staff"
)

// The console's campaigns, students and staff (issue 10's settings,
// people and access).

func (a staffRoutes) campaigns(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	list, err := a.staff.Campaigns(r.Context(), s)
	if err != nil {
		return err
	}
	out := make([]manage.CampaignView, 0, len(list))
	for _, c := range list {
		out = append(out, manage.CampaignView{ID: c.ID, Name: c.Name, SchoolID: c.SchoolID, School: c.School.Name, Kind: c.Kind, Spec: manage.SpecName(c),
			JoinCode: c.JoinCode, OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, MaxUploads: c.MaxUploads, AllowAlbum: c.AllowAlbum,
			RequireIDImages: c.RequireIDImages, RosterOptional: c.RosterOptional, ReviewDays: c.ReviewDays, Reasons: c.ReasonsInUse()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a staffRoutes) campaignSettings(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withID(w, r, http.StatusOK, func(id int64) (manage.CampaignView, error) { return a.manage.CampaignSettings(r.Context(), s, id) })
}

func (a staffRoutes) updateCampaign(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withIDBody(w, r, http.StatusOK, func(id int64, in manage.CampaignInput) (manage.CampaignView, error) {
		return a.manage.UpdateCampaign(r.Context(), s, id, in, a.where(r))
	})
}

// poster serves the join poster: poster.png or poster.pdf.
func (a staffRoutes) poster(format string) func(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return func(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		b, ctype, err := a.manage.Poster(r.Context(), s, id, a.publicBase(r), format)
		if err != nil {
			return err
		}
		sendFile(w, ctype, "采集海报-"+strconv.FormatInt(id, 10)+"."+format, b)
		return nil
	}
}

// publicBase is the address students reach the server at: the configured
// public address, else the one this request came to.
func (a *API) publicBase(r *http.Request) string {
	if a.cfg.PublicURL != "" {
		return a.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a staffRoutes) students(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	p, err := a.manage.Students(r.Context(), s, id, domain.StudentFilter{College: q.Get("college"), Class: q.Get("class"), Query: q.Get("q"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a staffRoutes) reveal(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withIDBody(w, r, http.StatusOK, func(id int64, req struct {
		Reason string `json:"reason"`
	}) (map[string]string, error) {
		full, err := a.manage.Reveal(r.Context(), s, id, req.Reason, a.where(r))
		return map[string]string{"doc_number": full}, err
	})
}

func (a staffRoutes) supportAccess(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var req struct {
		SchoolID int64  `json:"school_id"`
		Reason   string `json:"reason"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	until, err := a.manage.OpenSupportAccess(r.Context(), s, req.SchoolID, req.Reason, a.where(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]time.Time{"expires_at": until})
	return nil
}

func (a staffRoutes) staffList(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	list, err := a.manage.StaffList(r.Context(), s)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// NewStaffBody is a created account's one-time credentials.
type NewStaffBody struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	Password string `json:"password"`
	OTPURI   string `json:"otpauth_uri"`
	Secret   string `json:"totp_secret"`
	// OTPQR is the otpauth URI as a QR code, a data: URL of a PNG.
	OTPQR string `json:"otpauth_qr_png"`
}

func (a staffRoutes) createStaff(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var req struct {
		Login    string   `json:"login"`
		Name     string   `json:"name"`
		Role     string   `json:"role"`
		SchoolID int64    `json:"school_id"`
		College  string   `json:"college"`
		Classes  []string `json:"classes"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	acct, err := a.manage.CreateStaff(r.Context(), s, staff.CreateInput{Login: req.Login, Name: req.Name, Role: domain.Role(req.Role),
		SchoolID: req.SchoolID, College: req.College, Classes: req.Classes}, a.where(r))
	if err != nil {
		return err
	}
	qr, err := qrcode.Encode(acct.OTPURI, qrcode.Medium, 256)
	if err != nil {
		return domain.Internal("qr: %w", err)
	}
	writeJSON(w, http.StatusCreated, NewStaffBody{ID: acct.User.ID, Login: acct.User.Login, Password: acct.Password, OTPURI: acct.OTPURI, Secret: acct.Secret,
		OTPQR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(qr)})
	return nil
}

func (a staffRoutes) setClasses(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, req struct {
		Classes []string `json:"classes"`
	}) error {
		return a.manage.SetClasses(r.Context(), s, id, req.Classes, a.where(r))
	})
}

func (a staffRoutes) disableStaff(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, req struct {
		Disabled bool `json:"disabled"`
	}) error {
		return a.manage.SetDisabled(r.Context(), s, id, req.Disabled, a.where(r))
	})
}

func (a staffRoutes) classes(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	school, _ := strconv.ParseInt(r.URL.Query().Get("school_id"), 10, 64)
	list, err := a.manage.Classes(r.Context(), s, school)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (a staffRoutes) ipAllow(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var req struct {
		SchoolID int64  `json:"school_id"`
		List     string `json:"list"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	list, err := a.manage.SetIPAllow(r.Context(), s, req.SchoolID, req.List, a.where(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"list": list})
	return nil
}

func (a staffRoutes) progress(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withID(w, r, http.StatusOK, func(id int64) (manage.ProgressView, error) { return a.manage.Progress(r.Context(), s, id) })
}

func (a staffRoutes) unfinished(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := a.manage.UnfinishedXLSX(r.Context(), s, id)
	if err != nil {
		return err
	}
	sendFile(w, xlsxType, "未完成名单.xlsx", b)
	return nil
}

func (a staffRoutes) startExport(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withIDBody(w, r, http.StatusAccepted, func(id int64, p manage.ExportParams) (manage.ExportView, error) {
		p.CampaignID = id
		return a.manage.StartExport(r.Context(), s, p, a.where(r))
	})
}

func (a staffRoutes) exports(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := a.manage.Exports(r.Context(), s, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (a staffRoutes) exportStatus(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := a.manage.ExportStatus(r.Context(), s, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// download serves a finished export to a signed link (no session: the
// link itself, short-lived, is the permission).
func (a staffRoutes) download(w http.ResponseWriter, r *http.Request, _ domain.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	exp, _ := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64)
	f, err := a.manage.ExportFile(r.Context(), id, exp, r.URL.Query().Get("sig"), a.where(r))
	if err != nil {
		return err
	}
	defer f.Close()
	if strings.Contains(r.Header.Get("Range"), ",") {
		// One range resumes a download; many would each open a chunk of
		// the sealed ZIP for a few bytes. The whole file is sent instead.
		r.Header.Del("Range")
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/zip")
	http.ServeContent(w, r, "", f.Made, f)
	return nil
}

func (a staffRoutes) exempt(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, req struct {
		Exempt bool   `json:"exempt"`
		Reason string `json:"reason"`
	}) error {
		return a.manage.SetExempt(r.Context(), s, id, req.Exempt, req.Reason, a.where(r))
	})
}
