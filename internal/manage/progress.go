package manage

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"zhipai/internal/domain"
	"zhipai/internal/sheet"
	"zhipai/internal/staff"
)

// ProgressRow is a class's (or a college's subtotal's) counts.
type ProgressRow struct {
	College string `json:"college"`
	Class   string `json:"class,omitempty"` // empty: the college's subtotal
	Counts
}

// Counts are the students of a group by where they are.
type Counts struct {
	Total        int `json:"total"`
	NotSignedIn  int `json:"not_signed_in"`
	NotSubmitted int `json:"not_submitted"`
	Waiting      int `json:"waiting"`
	Rejected     int `json:"rejected"`
	Approved     int `json:"approved"`
	Exported     int `json:"exported"`
	Exempt       int `json:"exempt"` // 免采
}

func counts(t domain.Tally) Counts {
	return Counts{Total: t.Total, NotSignedIn: t.NotSignedIn, NotSubmitted: t.NotSubmitted, Waiting: t.Waiting, Rejected: t.Rejected, Approved: t.Approved, Exported: t.Exported, Exempt: t.Exempt}
}

// ProgressView is a campaign's progress within the caller's scope.
type ProgressView struct {
	Campaign string        `json:"campaign"`
	All      Counts        `json:"all"`
	Colleges []ProgressRow `json:"colleges"`
	Classes  []ProgressRow `json:"classes"`
	// Unmatched signed in but are on no roster row yet (school-wide
	// roles only).
	Unmatched int     `json:"unmatched"`
	Days      []Daily `json:"days"`
	// Chart is the days as an SVG chart (the console's; no script).
	Chart template.HTML `json:"-"`
}

// Daily is a day's submissions and approvals, and their running totals.
type Daily struct {
	Day                           string `json:"day"`
	Submitted, Approved           int    `json:"-"`
	SubmittedTotal, ApprovedTotal int    `json:"-"`
}

// Progress is a campaign's progress per college and class, counted in
// SQL, within the caller's scope (requirements RO-7).
func (s *Service) Progress(ctx context.Context, who staff.Staff, campaignID int64) (ProgressView, error) {
	c, err := s.campaignIn(ctx, who, campaignID)
	if err != nil {
		return ProgressView{}, err
	}
	rows, err := s.store.Progress(ctx, who.Scope, c.ID)
	if err != nil {
		return ProgressView{}, domain.Internal("progress: %w", err)
	}
	v := ProgressView{Campaign: c.Name, Colleges: []ProgressRow{}, Classes: []ProgressRow{}, Days: []Daily{}}
	var all domain.Tally
	byCollege := map[string]*domain.Tally{}
	var order []string
	for _, r := range rows {
		all.Add(r.Tally)
		if byCollege[r.College] == nil {
			byCollege[r.College] = &domain.Tally{}
			order = append(order, r.College)
		}
		byCollege[r.College].Add(r.Tally)
		v.Classes = append(v.Classes, ProgressRow{College: r.College, Class: r.Class, Counts: counts(r.Tally)})
	}
	for _, col := range order {
		v.Colleges = append(v.Colleges, ProgressRow{College: col, Counts: counts(*byCollege[col])})
	}
	v.All = counts(all)
	if who.Scope.College == "" && who.Scope.Classes == nil {
		if v.Unmatched, err = s.store.Unmatched(ctx, c.ID); err != nil {
			return ProgressView{}, domain.Internal("unmatched: %w", err)
		}
	}
	days, err := s.store.Daily(ctx, who.Scope, c.ID)
	if err != nil {
		return ProgressView{}, domain.Internal("daily: %w", err)
	}
	sub, appr := 0, 0
	for _, d := range days {
		sub, appr = sub+d.Submitted, appr+d.Approved
		v.Days = append(v.Days, Daily{Day: d.Day.Format("01-02"), Submitted: d.Submitted, Approved: d.Approved, SubmittedTotal: sub, ApprovedTotal: appr})
	}
	v.Chart = chart(v.Days, v.All.Total)
	return v, nil
}

// chart draws the running totals of submissions and approvals per day
// against the roster's size, as inline SVG built from numbers only.
func chart(days []Daily, total int) template.HTML {
	const w, h, left, bottom = 640.0, 220.0, 44.0, 28.0
	top := max(total, 1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="每日累计提交与通过人数">`, w, h, w, h)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="10" x2="%.0f" y2="%.0f" stroke="#999"/><line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#999"/>`,
		left, left, h-bottom, left, h-bottom, w-10, h-bottom)
	fmt.Fprintf(&b, `<text x="%.0f" y="16" font-size="11" text-anchor="end">%d</text><text x="%.0f" y="%.0f" font-size="11" text-anchor="end">0</text>`,
		left-4, top, left-4, h-bottom)
	if len(days) == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13" fill="#888" text-anchor="middle">还没有提交</text></svg>`, w/2, h/2)
		return template.HTML(b.String())
	}
	x := func(i int) float64 {
		if len(days) == 1 {
			return (left + w - 10) / 2
		}
		return left + float64(i)*(w-10-left)/float64(len(days)-1)
	}
	y := func(n int) float64 { return h - bottom - float64(n)*(h-bottom-10)/float64(top) }
	line := func(get func(Daily) int, colour string) {
		var pts []string
		for i, d := range days {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(get(d))))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, colour, strings.Join(pts, " "))
		for i, d := range days {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s：%d</title></circle>`, x(i), y(get(d)), colour, template.HTMLEscapeString(d.Day), get(d))
		}
	}
	line(func(d Daily) int { return d.SubmittedTotal }, "#1677ff")
	line(func(d Daily) int { return d.ApprovedTotal }, "#389e0d")
	step := max(1, len(days)/8)
	for i := 0; i < len(days); i += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11" text-anchor="middle">%s</text>`, x(i), h-8, template.HTMLEscapeString(days[i].Day))
	}
	fmt.Fprintf(&b, `<rect x="%.0f" y="14" width="10" height="3" fill="#1677ff"/><text x="%.0f" y="20" font-size="11">累计提交</text>`, left+10, left+24)
	fmt.Fprintf(&b, `<rect x="%.0f" y="14" width="10" height="3" fill="#389e0d"/><text x="%.0f" y="20" font-size="11">累计通过</text></svg>`, left+90, left+104)
	return template.HTML(b.String())
}

// UnfinishedXLSX lists the caller's students who are not yet approved,
// with where each is, as XLSX for counsellors (requirements RO-7); cells
// neutralised for spreadsheets.
func (s *Service) UnfinishedXLSX(ctx context.Context, who staff.Staff, campaignID int64) ([]byte, error) {
	c, err := s.campaignIn(ctx, who, campaignID)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	sh := "未完成"
	f.SetSheetName("Sheet1", sh)
	f.SetSheetRow(sh, "A1", &[]string{"姓名", "学号", "学院", "专业", "班级", "进度"})
	line := 2
	for after := int64(0); ; {
		list, _, err := s.store.StudentsIn(ctx, who.Scope, c.ID, domain.StudentFilter{After: after, Limit: 200, Unfinished: true})
		if err != nil {
			return nil, domain.Internal("students: %w", err)
		}
		for _, st := range list {
			r := studentRow(st)
			row := sheet.SafeRow([]string{r.Name, r.StudentNo, r.College, r.Major, r.Class, r.StateTitle})
			f.SetSheetRow(sh, "A"+strconv.Itoa(line), &row)
			line++
			after = st.ID
		}
		if len(list) < 200 {
			break
		}
	}
	f.SetColWidth(sh, "A", "F", 18)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, domain.Internal("xlsx: %w", err)
	}
	return b.Bytes(), nil
}
