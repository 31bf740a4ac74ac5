package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zhipai/internal/domain"
	"zhipai/internal/review"
)

// queueView is the review queue's filter and page as the pages show them.
type queueView struct {
	CampaignID        int64
	Findings, College string
	State             string // "" waiting, approved, rejected
	Class             string
	Query             template.URL // the filter as an encoded query string, for links and the work page
	First             int64        // the item to open first on the work page
	Counts            map[string]int
	Reasons           []reasonCount
	Page              review.QueuePage
	// Stats are the reviewers' last seven days on the campaign.
	Stats []review.ReviewerStats
}

type reasonCount struct {
	Code, Title string
	Count       int
}

// queueFilter reads the queue's filter; without a campaign, the first
// the caller sees.
func (c *Console) queueFilter(r *http.Request, campaigns []campaignRow) (domain.QueueFilter, *queueView) {
	q := r.URL.Query()
	campaign, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	if campaign == 0 && len(campaigns) > 0 {
		campaign = campaigns[0].ID
	}
	findings := q.Get("findings")
	if findings != "none" && findings != "warn" {
		findings = strings.ToUpper(findings)
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	state := q.Get("state")
	if state != "approved" && state != "rejected" {
		state = ""
	}
	f := domain.QueueFilter{CampaignID: campaign, Findings: findings, College: q.Get("college"), Class: q.Get("class"), After: after, State: state}
	v := &queueView{CampaignID: campaign, Findings: findings, College: f.College, Class: f.Class, State: state}
	v.Query = template.URL(url.Values{"campaign": {strconv.FormatInt(campaign, 10)}, "findings": {findings}, "college": {f.College}, "class": {f.Class}}.Encode())
	v.First, _ = strconv.ParseInt(q.Get("id"), 10, 64)
	return f, v
}

// reviewQueue is the queue: filters with counts, the waiting items by
// deadline, batch approval of the clean ones.
func (c *Console) reviewQueue(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	list, err := c.staff.Campaigns(r.Context(), *s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "照片审核")
	for _, cm := range list {
		p.Campaigns = append(p.Campaigns, campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name})
	}
	f, v := c.queueFilter(r, p.Campaigns)
	f.Limit = 100
	v.Page, err = c.review.Queue(r.Context(), *s, f)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v.Counts = v.Page.Counts
	v.Counts["all"] = v.Counts["none"] + v.Counts["warn"]
	for _, code := range domain.Reasons() {
		if n := v.Counts[string(code)]; n > 0 {
			v.Reasons = append(v.Reasons, reasonCount{Code: string(code), Title: code.Title(), Count: n})
		}
	}
	if v.Stats, err = c.review.Stats(r.Context(), *s, f.CampaignID, 7); err != nil && domain.Public(err).Code == domain.CodeInternal {
		c.fail(w, r, err)
		return
	}
	p.Queue = v
	c.render(w, "review.html", p)
}

// reviewWork is the review screen; its script claims and decides items
// through the API.
func (c *Console) reviewWork(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	_, v := c.queueFilter(r, nil)
	p := base(s, "审核照片")
	p.Queue = v
	c.render(w, "reviewwork.html", p)
}
