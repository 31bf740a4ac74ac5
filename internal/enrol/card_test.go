package enrol_test

import (
	"testing"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/store"
)

// consented signs a phone in and takes it to the identity step.
func consented(t *testing.T, env *apptest.Env, phone string) domain.Caller {
	t.Helper()
	cid := env.Demo.CampaignID
	who := apptest.SignIn(t, env, phone, "10.3.3."+phone[len(phone)-1:])
	apptest.NoErr(t, env.App.Enrol.Join(ctx, who, cid))
	c := apptest.Must(env.App.Enrol.Consent(ctx, who, cid))(t)
	apptest.NoErr(t, env.App.Enrol.AcceptConsent(ctx, who, cid, c.Version))
	return who
}

// TestRosterSquatting: knowing a classmate's name and number is not
// enough. A second account that types them but photographs another card
// is refused at the card and cannot match; one whose card does carry the
// row's number finds the row taken, is told so, and the school gets the
// case in its ticket queue and its audit log.
func TestRosterSquatting(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid, st := env.Demo.CampaignID, env.Demo.Student
	e := env.App.Enrol
	owner := consented(t, env, "13700137001")
	apptest.Enrolled(t, env, owner, st.Name, st.DocNumber)

	// The squatter types the row's name and number, and shows their own card.
	squatter := consented(t, env, "13700137002")
	apptest.Must(e.SetIdentity(ctx, squatter, cid, enrol.IdentityInput{Name: st.Name, DocType: "resident_id", DocNumber: st.DocNumber}))(t)
	other := app.DemoStudentAt(1)
	front, back := apptest.CardsFor(t, other.Name, other.DocNumber)
	_, err := e.UploadIDImage(ctx, squatter, cid, enrol.SideFront, front)
	apptest.Code(t, err, enrol.CodeCardNumberMismatch)
	apptest.Must(e.UploadIDImage(ctx, squatter, cid, enrol.SideBack, back))(t)
	_, err = e.Match(ctx, squatter, cid)
	apptest.Code(t, err, enrol.CodeIDImages)

	// The same card's number under another typed name is not a match either.
	liar := consented(t, env, "13700137003")
	apptest.Must(e.SetIdentity(ctx, liar, cid, enrol.IdentityInput{Name: "冒名者", DocType: "resident_id", DocNumber: other.DocNumber}))(t)
	_, err = e.UploadIDImage(ctx, liar, cid, enrol.SideFront, front)
	apptest.Code(t, err, enrol.CodeCardNameMismatch)

	// A second account with the row's own card: the case goes to the school.
	holder := consented(t, env, "13700137004")
	apptest.Must(e.SetIdentity(ctx, holder, cid, enrol.IdentityInput{Name: st.Name, DocType: "resident_id", DocNumber: st.DocNumber}))(t)
	front, back = apptest.Cards(t)
	apptest.Must(e.UploadIDImage(ctx, holder, cid, enrol.SideFront, front))(t)
	apptest.Must(e.UploadIDImage(ctx, holder, cid, enrol.SideBack, back))(t)
	for range 2 { // asked twice, recorded once
		_, err = e.Match(ctx, holder, cid)
		apptest.Code(t, err, enrol.CodeRosterClaimed)
	}
	school := domain.Scope{SchoolID: env.Demo.SchoolID}
	tickets := apptest.Must(env.App.Store.Tickets(ctx, &school, store.TicketFilter{CampaignID: cid}))(t)
	var claims []domain.Ticket
	for _, tk := range tickets {
		if tk.Kind == domain.TicketRosterClaimed {
			claims = append(claims, tk)
		}
	}
	if len(claims) != 1 || claims[0].UserID != holder.UserID || claims[0].Status != domain.TicketOpen {
		t.Fatalf("the school's roster-claim tickets: %+v", claims)
	}
	audit := apptest.Must(env.App.Store.AuditPage(ctx, env.Demo.SchoolID, 0, "roster.claimed", 10))(t)
	if len(audit) != 1 {
		t.Fatalf("audit of the claim: %+v", audit)
	}
	// The row stays the owner's until the school decides.
	if v := apptest.Must(e.Match(ctx, owner, cid))(t); v.Name != st.Name {
		t.Errorf("owner's record %+v", v)
	}
}

// TestCardFirst: a card photographed before the identity is typed fills
// it in; a typed number that is not the card's is refused.
func TestCardFirst(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid, st := env.Demo.CampaignID, env.Demo.Student
	e := env.App.Enrol
	who := consented(t, env, "13700137011")
	front, back := apptest.Cards(t)
	res := apptest.Must(e.UploadIDImage(ctx, who, cid, enrol.SideFront, front))(t)
	if res.Read == nil || res.Read.DocNumber != st.DocNumber || res.Read.Name != st.Name || res.Read.DocType != "resident_id" {
		t.Fatalf("read %+v, want %s %s", res.Read, st.Name, st.DocNumber)
	}
	other := app.DemoStudentAt(2)
	_, err := e.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: other.Name, DocType: "resident_id", DocNumber: other.DocNumber})
	apptest.Code(t, err, enrol.CodeCardNumberMismatch)
	apptest.Must(e.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: res.Read.Name, DocType: "resident_id", DocNumber: res.Read.DocNumber}))(t)
	apptest.Must(e.UploadIDImage(ctx, who, cid, enrol.SideBack, back))(t)
	if v := apptest.Must(e.Match(ctx, who, cid))(t); v.Name != st.Name {
		t.Fatalf("record %+v", v)
	}
}

// TestExpiredCard: a card whose validity has ended is refused at its back.
func TestExpiredCard(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid, st := env.Demo.CampaignID, env.Demo.Student
	who := consented(t, env, "13700137021")
	p := app.CardPerson(st.Name, st.DocNumber)
	p.ValidFrom, p.ValidTo = "2014.03.02", "2024.03.02"
	_, back, err := app.DemoCardPhotos(apptest.Astronaut(t), p)
	apptest.NoErr(t, err)
	_, err = env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideBack, back)
	apptest.Code(t, err, enrol.CodeCardExpired)
}
