package enrol_test

import (
	"context"
	"testing"
	"time"

	"zhipai/internal/app/apptest"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/store"
)

var ctx = context.Background()

func TestMatchAttemptsAreLimited(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid := env.Demo.CampaignID
	who := apptest.SignIn(t, env, "13600136000", "10.1.1.1")
	apptest.NoErr(t, env.App.Enrol.Join(ctx, who, cid))
	c := apptest.Must(env.App.Enrol.Consent(ctx, who, cid))(t)
	env.App.Enrol.AcceptConsent(ctx, who, cid, c.Version)
	apptest.Must(env.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: "不在名单", DocType: "resident_id", DocNumber: env.Demo.Student.DocNumber}))(t)
	front, back := apptest.CardsFor(t, "不在名单", env.Demo.Student.DocNumber)
	apptest.Must(env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideFront, front))(t)
	apptest.Must(env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideBack, back))(t)
	for i := 0; i < 5; i++ {
		_, err := env.App.Enrol.Match(ctx, who, cid)
		apptest.Code(t, err, enrol.CodeNoMatch)
	}
	_, err := env.App.Enrol.Match(ctx, who, cid)
	if pe := apptest.Code(t, err, enrol.CodeMatchLimited); pe.RetryAfter <= 0 {
		t.Fatalf("limit %+v", pe)
	}
}

func TestCampaignErrors(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	who := apptest.SignIn(t, env, "13500135000", "ip")
	err := env.App.Enrol.Join(ctx, who, 99999)
	apptest.Code(t, err, enrol.CodeCampaignNotFound)
	_, err = env.App.Enrol.CampaignByCode(ctx, "NOSUCHCODE", "ip")
	apptest.Code(t, err, enrol.CodeCampaignNotFound)
	c := apptest.Must(env.App.Enrol.CampaignByCode(ctx, " zhipai2026 ", "ip"))(t)
	if c.ID != env.Demo.CampaignID || c.Spec.Width != 480 || len(c.FAQ) == 0 || c.Contact.Phone == "" {
		t.Fatalf("campaign %+v", c)
	}
	_, err = env.App.Enrol.SetIdentity(ctx, who, c.ID, enrol.IdentityInput{})
	apptest.Code(t, err, enrol.CodeNotJoined)
	// A campaign that has closed takes no one.
	env.App.SetClock(func() time.Time { return time.Now().AddDate(2, 0, 0) })
	err = env.App.Enrol.Join(ctx, who, c.ID)
	apptest.Code(t, err, enrol.CodeCampaignClosed)
	if list := apptest.Must(env.App.Enrol.Campaigns(ctx))(t); len(list) != 0 {
		t.Errorf("closed campaign listed")
	}
}

// TestRosterOptional: in a campaign that does not require a roster, a
// student whose document is not on it is added from their checked
// identity and goes on; a document on it under another name still fails,
// and without the setting an unknown document fails as before.
func TestRosterOptional(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid := env.Demo.CampaignID
	doc := "11010120070101" + "994"
	doc += string(idnumber.CheckChar(doc))
	step := func(phone, name, number string) error {
		who := apptest.SignIn(t, env, phone, "10.2.2.2")
		apptest.NoErr(t, env.App.Enrol.Join(ctx, who, cid))
		c := apptest.Must(env.App.Enrol.Consent(ctx, who, cid))(t)
		apptest.NoErr(t, env.App.Enrol.AcceptConsent(ctx, who, cid, c.Version))
		apptest.Must(env.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: name, DocType: "resident_id", DocNumber: number}))(t)
		front, back := apptest.CardsFor(t, name, number)
		apptest.Must(env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideFront, front))(t)
		apptest.Must(env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideBack, back))(t)
		_, err := env.App.Enrol.Match(ctx, who, cid)
		return err
	}
	apptest.Code(t, step("13600136001", "新来的", doc), enrol.CodeNoMatch)
	c := apptest.Must(env.App.Store.Campaign(ctx, cid))(t)
	c.RosterOptional = true
	apptest.NoErr(t, env.App.Store.UpdateCampaign(ctx, c))
	before := apptest.Must(env.App.Store.RosterCount(ctx, cid))(t)
	doc2 := "11010120070101" + "992"
	doc2 += string(idnumber.CheckChar(doc2))
	apptest.NoErr(t, step("13600136002", "新来的", doc2))
	if n := apptest.Must(env.App.Store.RosterCount(ctx, cid))(t); n != before+1 {
		t.Errorf("roster %d rows, want %d", n, before+1)
	}
	apptest.Code(t, step("13600136003", "冒名者", env.Demo.Student.DocNumber), enrol.CodeNoMatch)
}
